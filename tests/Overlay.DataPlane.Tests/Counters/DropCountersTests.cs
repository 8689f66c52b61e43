using Overlay.DataPlane.Counters;

namespace Overlay.DataPlane.Tests.Counters;

public sealed class DropCountersTests
{
    [Fact]
    public void Increments_reach_the_parent_and_snapshots_do_not_move()
    {
        var global = new DropCounters();
        var perSa = new DropCounters(global);
        perSa.Increment(DropReason.Replay);
        perSa.Increment(DropReason.Replay);
        perSa.Increment(DropReason.None);
        global.Increment(DropReason.UnknownSpi);

        DropCounterSnapshot snapshot = global.Snapshot();
        perSa.Increment(DropReason.Replay);

        Assert.Equal(3, perSa[DropReason.Replay]);
        Assert.Equal(2, snapshot[DropReason.Replay]);
        Assert.Equal(3, snapshot.Total);
        Assert.Equal(
            [new(DropReason.UnknownSpi, 1), new(DropReason.Replay, 2)],
            snapshot.NonZero().ToList());
    }

    [Fact]
    public void Concurrent_increments_are_not_lost()
    {
        var counters = new DropCounters();
        Parallel.For(0, 4, _ =>
        {
            for (int i = 0; i < 100_000; i++)
            {
                counters.Increment(DropReason.AuthFailed);
            }
        });
        Assert.Equal(400_000, counters[DropReason.AuthFailed]);
    }
}
