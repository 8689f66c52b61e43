using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Forwarding;

namespace Overlay.DataPlane.Tests.Counters;

/// <summary>Counters with one cell per worker: exact sums under concurrent workers, and each worker's own share.</summary>
public sealed class WorkerCountersTests
{
    private const int Threads = 4;
    private const int PerThread = 20_000;

    [Fact]
    public void Concurrent_workers_lose_no_count_and_each_worker_reads_its_own_share()
    {
        var global = new DropCounters();
        var sa = new DropCounters(global);
        var port = new TrafficCounters(perWorker: true);
        var exact = new TrafficCounters();
        var underlay = new UnderlayCounters();

        RunWorkers(worker =>
        {
            for (int i = 0; i < PerThread; i++)
            {
                sa.Increment(DropReason.Replay);
                port.Add(100);
                exact.Add(10);
                underlay.OnDatagram();
                if (worker == 1)
                {
                    underlay.OnEsp();
                    underlay.OnOpened();
                }
            }

            underlay.OnSent(worker + 1, 1000);
        });

        Assert.Equal(Threads * PerThread, sa[DropReason.Replay]);
        Assert.Equal(Threads * PerThread, global[DropReason.Replay]);
        Assert.Equal(Threads * PerThread, global.Total);
        Assert.Equal(Threads * PerThread, global.Snapshot()[DropReason.Replay]);
        Assert.Equal((Threads * PerThread, Threads * PerThread * 100L), (port.Packets, port.Bytes));
        Assert.Equal((Threads * PerThread, Threads * PerThread * 10L), (exact.Packets, exact.Bytes));
        Assert.Equal(Threads * PerThread, underlay.DatagramsReceived);
        Assert.Equal(PerThread, underlay.EspOpened);
        Assert.Equal((1 + 2 + 3 + 4, Threads * 1000L, Threads), (underlay.PacketsSent, underlay.BytesSent, underlay.SendBatches));
        for (int w = 0; w < Threads; w++)
        {
            WorkerCounters share = underlay.Worker(w);
            Assert.Equal(PerThread, share.DatagramsReceived);
            Assert.Equal(w == 1 ? PerThread : 0, share.EspOpened);
        }

        Assert.Equal(default, underlay.Worker(Threads));
        Assert.Throws<ArgumentOutOfRangeException>(() => underlay.Worker(UnderlayCounters.MaxWorkers));
    }

    [Fact]
    public void An_exact_counter_returns_the_running_totals_that_lifetime_limits_need()
    {
        var exact = new TrafficCounters();
        RunWorkers(_ =>
        {
            for (int i = 0; i < 1000; i++)
            {
                exact.Add(1);
            }
        });

        Assert.False(exact.PerWorker);
        Assert.Equal((Threads * 1000L + 1, Threads * 1000L + 7), exact.Add(7));
    }

    [Fact]
    public void A_thread_is_worker_0_until_its_loop_says_otherwise()
    {
        int seen = -1;
        var thread = new Thread(() => seen = Workers.Current);
        thread.Start();
        thread.Join();
        Assert.Equal(0, seen);
        Assert.True(Workers.Cells >= 1 && (Workers.Cells & (Workers.Cells - 1)) == 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => Workers.SetCurrent(-1));
    }

    private static void RunWorkers(Action<int> body)
    {
        var threads = Enumerable.Range(0, Threads).Select(w => new Thread(() =>
        {
            Workers.SetCurrent(w);
            body(w);
        })).ToArray();
        foreach (Thread t in threads)
        {
            t.Start();
        }

        foreach (Thread t in threads)
        {
            t.Join();
        }
    }
}
