using Microsoft.Extensions.Time.Testing;
using Overlay.DataPlane.Switching;

namespace Overlay.DataPlane.Tests.Switching;

/// <summary>The MAC table as several forwarding threads use it at once: no lock on the frame path, bounds kept.</summary>
public sealed class MacTableTests
{
    private static readonly TimeSpan Ageing = TimeSpan.FromSeconds(300);

    [Fact]
    public void Threads_learning_distinct_addresses_at_once_never_grow_the_table_past_its_capacity()
    {
        var table = new MacTable(capacity: 1000, Ageing, TimeProvider.System);
        int learned = 0;
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, thread =>
        {
            for (ulong mac = 0; mac < 5000; mac++)
            {
                if (table.Learn(((ulong)thread << 32) | mac, SwitchEndpoint.Local(thread)))
                {
                    Interlocked.Increment(ref learned);
                }
            }
        });

        Assert.Equal(1000, table.Count);
        Assert.Equal(1000, learned);
    }

    [Fact]
    public async Task A_station_moving_while_others_look_it_up_is_always_found_at_one_of_its_places_never_a_mix()
    {
        var table = new MacTable(capacity: 16, Ageing, TimeProvider.System);
        SwitchEndpoint port = SwitchEndpoint.Local(7);
        SwitchEndpoint tunnel = SwitchEndpoint.Remote(3);
        table.Learn(0x42, port);
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var mover = Task.Run(() =>
        {
            for (long i = 0; !stop.IsCancellationRequested; i++)
            {
                table.Learn(0x42, (i & 1) == 0 ? tunnel : port);
            }
        });

        long lookups = 0;
        while (!stop.IsCancellationRequested)
        {
            Assert.True(table.TryLookup(0x42, out SwitchEndpoint where));
            Assert.True(where == port || where == tunnel, $"torn endpoint {where}");
            lookups++;
        }

        await mover;
        Assert.True(lookups > 0);
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void A_station_seen_within_the_ageing_time_stays_and_one_silent_for_longer_ages_out()
    {
        var time = new FakeTimeProvider();
        var table = new MacTable(capacity: 4, Ageing, time);
        table.Learn(1, SwitchEndpoint.Local(1));
        table.Learn(2, SwitchEndpoint.Local(2));
        for (int i = 0; i < 40; i++)
        {
            time.Advance(TimeSpan.FromSeconds(10));
            table.Learn(1, SwitchEndpoint.Local(1)); // active: 400 s in, never older than the ageing time
        }

        Assert.True(table.TryLookup(1, out _));
        Assert.False(table.TryLookup(2, out _)); // silent for 400 s
        Assert.Equal(1, table.Count);
        Assert.Equal(0, table.AgeOut());
        time.Advance(Ageing + TimeSpan.FromSeconds(1));
        Assert.Equal(1, table.AgeOut());
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void Flush_forgets_exactly_the_stations_behind_one_endpoint_and_frees_their_places()
    {
        var table = new MacTable(capacity: 3, Ageing, TimeProvider.System);
        table.Learn(1, SwitchEndpoint.Remote(0));
        table.Learn(2, SwitchEndpoint.Remote(0));
        table.Learn(3, SwitchEndpoint.Local(0));
        Assert.False(table.Learn(4, SwitchEndpoint.Local(0)));

        Assert.Equal(2, table.Flush(SwitchEndpoint.Remote(0)));
        Assert.Equal(0, table.CountAt(SwitchEndpoint.Remote(0)));
        Assert.True(table.Learn(4, SwitchEndpoint.Local(0)));
        Assert.Equal(2, table.CountAt(SwitchEndpoint.Local(0)));
    }
}
