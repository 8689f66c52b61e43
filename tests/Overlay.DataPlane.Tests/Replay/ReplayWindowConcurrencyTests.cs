using Overlay.DataPlane.Replay;

namespace Overlay.DataPlane.Tests.Replay;

/// <summary>
/// Several threads on one window, as several receive loops opening one SA: each takes packets of one
/// stream, checks (<see cref="ReplayWindow.CanAccept"/>), "decrypts" (a random spin) and marks
/// (<see cref="ReplayWindow.MarkAuthenticated"/>); every acceptance is counted per sequence number.
/// Random seeds are printed on failure so a failing interleaving's input can be replayed.
/// </summary>
public sealed class ReplayWindowConcurrencyTests
{
    /// <summary>
    /// The stream is cut into rounds of half a window; a round's numbers, each offered 1–3 times, are
    /// shuffled and dealt to the threads, and a barrier ends the round. So reordering stays within the
    /// window (no packet arrives after the window passed it), however the scheduler runs the threads.
    /// </summary>
    [Theory]
    [InlineData(2, 1024, false)]
    [InlineData(3, 1024, false)]
    [InlineData(4, 1024, false)]
    [InlineData(4, 4096, false)]
    [InlineData(2, 1024, true)]
    [InlineData(4, 1024, true)]
    [InlineData(4, 4096, true)]
    public void Reordered_within_the_window_every_number_is_accepted_exactly_once(int threads, int size, bool copies)
    {
        const int Rounds = 300;
        int seed = Environment.TickCount;
        int roundLength = size / 2;
        var window = new ReplayWindow(size);
        int[] accepted = new int[(Rounds * roundLength) + 1];
        List<ulong>[][] dealt = Deal(threads, Rounds, roundLength, copies, new Random(seed), out int offered);
        int rejected = 0;
        using var barrier = new Barrier(threads);

        RunThreads(threads, worker =>
        {
            var random = new Random(seed + worker + 1);
            for (int round = 0; round < Rounds; round++)
            {
                foreach (ulong seq in dealt[worker][round])
                {
                    if (Open(window, seq, random))
                    {
                        Interlocked.Increment(ref accepted[seq]);
                    }
                    else
                    {
                        Interlocked.Increment(ref rejected);
                    }
                }

                barrier.SignalAndWait();
            }
        });

        for (int seq = 1; seq < accepted.Length; seq++)
        {
            Assert.True(accepted[seq] == 1, $"seed {seed}: sequence {seq} accepted {accepted[seq]} times");
        }

        // Nothing but the copies is rejected: 0 false positives.
        Assert.Equal(offered - (accepted.Length - 1), rejected);
        Assert.Equal((ulong)(accepted.Length - 1), window.Top);
    }

    /// <summary>Every thread offers every number, in its own order within a sliding range: one wins each.</summary>
    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void The_same_numbers_from_every_thread_are_accepted_once_each(int threads)
    {
        const int Count = 100_000;
        int seed = Environment.TickCount;
        var window = new ReplayWindow(1024);
        int[] accepted = new int[Count + 1];

        RunThreads(threads, worker =>
        {
            var random = new Random(seed + worker);
            ulong[] order = new ulong[64];
            for (int start = 1; start <= Count; start += order.Length)
            {
                for (int i = 0; i < order.Length; i++)
                {
                    order[i] = (ulong)(start + i);
                }

                random.Shuffle(order);
                foreach (ulong seq in order)
                {
                    if (seq <= Count && Open(window, seq, random))
                    {
                        Interlocked.Increment(ref accepted[seq]);
                    }
                }
            }
        });

        // A thread that fell more than a window behind finds numbers already slid out: those are
        // rejected by every late thread but were accepted by the first. Never twice.
        for (int seq = 1; seq <= Count; seq++)
        {
            Assert.True(accepted[seq] <= 1, $"seed {seed}: sequence {seq} accepted {accepted[seq]} times");
        }

        Assert.Equal((ulong)Count, window.Top);
    }

    /// <summary>
    /// Big jumps, numbers behind and ahead of the top, copies, all at once: whatever is accepted is
    /// accepted once, and the top is the highest accepted number.
    /// </summary>
    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void Jumps_and_late_numbers_from_several_threads_never_accept_a_number_twice(int threads)
    {
        const int PerThread = 200_000;
        int seed = Environment.TickCount;
        var window = new ReplayWindow(1024);
        var acceptedBy = new List<ulong>[threads];
        ulong shared = 1;

        RunThreads(threads, worker =>
        {
            var random = new Random(seed + worker);
            var mine = new List<ulong>();
            for (int i = 0; i < PerThread; i++)
            {
                ulong top = Volatile.Read(ref shared);
                ulong seq = random.Next(100) switch
                {
                    0 => top + (ulong)random.Next(1, 100_000), // a jump past the whole ring
                    < 10 => top + (ulong)random.Next(1, 3000), // ahead by up to about three windows
                    _ => Math.Max(1, top - (ulong)Math.Min((long)top - 1, random.Next(0, 1500))), // behind, at and below the edge
                };
                if (Open(window, seq, random))
                {
                    mine.Add(seq);
                    ulong seen = Volatile.Read(ref shared);
                    while (seq > seen && Interlocked.CompareExchange(ref shared, seq, seen) != seen)
                    {
                        seen = Volatile.Read(ref shared);
                    }
                }
            }

            acceptedBy[worker] = mine;
        });

        var all = acceptedBy.SelectMany(list => list).ToList();
        var twice = all.GroupBy(seq => seq).Where(group => group.Count() > 1).Select(group => group.Key).Take(5).ToList();
        Assert.True(twice.Count == 0, $"seed {seed}: accepted twice: {string.Join(", ", twice)}");
        Assert.Equal(all.Max(), window.Top);
        Assert.True(all.Count > threads * PerThread / 20, $"seed {seed}: only {all.Count} accepted");
    }

    /// <summary>What <c>EspSa.TryOpen</c> does: check, decrypt (here: a short random spin), mark.</summary>
    private static bool Open(ReplayWindow window, ulong seq, Random random)
    {
        if (!window.CanAccept(seq))
        {
            return false;
        }

        Thread.SpinWait(random.Next(0, 20));
        return window.MarkAuthenticated(seq);
    }

    private static List<ulong>[][] Deal(int threads, int rounds, int roundLength, bool copies, Random random, out int offered)
    {
        var dealt = new List<ulong>[threads][];
        for (int t = 0; t < threads; t++)
        {
            dealt[t] = new List<ulong>[rounds];
        }

        offered = 0;
        var round = new List<ulong>();
        for (int r = 0; r < rounds; r++)
        {
            round.Clear();
            for (int i = 1; i <= roundLength; i++)
            {
                ulong seq = (ulong)((r * roundLength) + i);
                int times = copies ? random.Next(1, 4) : 1;
                for (int c = 0; c < times; c++)
                {
                    round.Add(seq);
                }
            }

            ulong[] shuffled = [.. round];
            random.Shuffle(shuffled);
            offered += shuffled.Length;
            for (int t = 0; t < threads; t++)
            {
                dealt[t][r] = [];
            }

            for (int i = 0; i < shuffled.Length; i++)
            {
                dealt[random.Next(threads)][r].Add(shuffled[i]);
            }
        }

        return dealt;
    }

    private static void RunThreads(int count, Action<int> body)
    {
        Exception? failure = null;
        var threads = new Thread[count];
        for (int i = 0; i < count; i++)
        {
            int worker = i;
            threads[i] = new Thread(() =>
            {
                try
                {
                    body(worker);
                }
                catch (Exception ex)
                {
                    failure ??= ex;
                }
            })
            { IsBackground = true };
        }

        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            Assert.True(thread.Join(TimeSpan.FromSeconds(60)), "a stress thread did not finish in 60 s");
        }

        Assert.Null(failure);
    }
}
