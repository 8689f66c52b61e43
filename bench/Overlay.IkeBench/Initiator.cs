using System.Diagnostics;
using Overlay.Daemon.IkeHost;
using Overlay.Ike.Sa;

namespace Overlay.IkeBench;

/// <summary>
/// Our IKE as initiator: a windowed handshake rate (up to Window IKE_SA+CHILD_SA setups in
/// flight, a new one started as each CHILD_SA is installed) and serial setup latency (one at a
/// time, initiate → CHILD_SA installed). Between runs every SA is deleted so the responder starts
/// empty, as the strongSwan runs do with terminate.
/// </summary>
public sealed class Initiator(StandaloneIke daemon, CountingSink sink, BenchOptions options)
{
    private readonly IkeSaConfig _config = BenchConfig.Ike(options);
    private readonly ChildSaConfig _child = BenchConfig.Child(options);

    public sealed record RateResult(int Up, double Seconds, int Failures, int Started)
    {
        public double PerSecond => Seconds > 0 ? Up / Seconds : 0;
    }

    public async Task<RateResult> RunRateAsync(int total, int window, TimeSpan limit)
    {
        var slots = new SemaphoreSlim(window);
        var up = 0;
        var failures = 0;
        var measuring = 1;
        long lastUp = 0;
        var sas = new List<IkeSa>(total);
        void OnUp(ChildSa _)
        {
            Interlocked.Increment(ref up);
            Volatile.Write(ref lastUp, Stopwatch.GetTimestamp());
            slots.Release();
        }

        sink.Installed += OnUp;
        var start = Stopwatch.GetTimestamp();
        var deadline = start + (long)(limit.TotalSeconds * Stopwatch.Frequency);
        try
        {
            for (var i = 0; i < total; i++)
            {
                if (!await slots.WaitAsync(Remaining(deadline)).ConfigureAwait(false))
                {
                    break;
                }

                var sa = daemon.Initiate(_config, _child, options.Remote);
                // An SA that dies before its CHILD_SA is installed frees its slot as a failure.
                sa.Destroyed += s =>
                {
                    if (Volatile.Read(ref measuring) == 1 && s.Children.Count == 0)
                    {
                        Interlocked.Increment(ref failures);
                        slots.Release();
                    }
                };
                sas.Add(sa);
            }
            // All slots back = every started setup ended (installed or failed).
            for (var i = 0; i < window; i++)
            {
                if (!await slots.WaitAsync(Remaining(deadline)).ConfigureAwait(false))
                {
                    break;
                }
            }
        }
        finally
        {
            sink.Installed -= OnUp;
            Volatile.Write(ref measuring, 0);
        }

        var end = Volatile.Read(ref lastUp);
        var seconds = end > start ? (end - start) / (double)Stopwatch.Frequency : 0;
        var stalled = sas.Count(s => s.State != IkeSaState.Destroyed && s.Children.Count == 0);
        await DeleteAllAsync(sas).ConfigureAwait(false);
        return new RateResult(up, seconds, failures + stalled, sas.Count);
    }

    /// <summary>One setup at a time; the milliseconds of each, or null where it failed (with the reason printed).</summary>
    public async Task<List<double?>> RunSerialAsync(int count, TextWriter log)
    {
        var result = new List<double?>(count);
        for (var i = 0; i < count; i++)
        {
            var installed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            void OnUp(ChildSa _) => installed.TrySetResult();
            sink.Installed += OnUp;
            var t0 = Stopwatch.GetTimestamp();
            var sa = daemon.Initiate(_config, _child, options.Remote);
            try
            {
                await installed.Task.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                result.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }
            catch (TimeoutException)
            {
                result.Add(null);
                log.WriteLine($"# serial {i}: no CHILD_SA within 10 s ({sa.State}, {sa.FailureReason ?? sa.ChildFailureReason})");
            }
            finally
            {
                sink.Installed -= OnUp;
            }

            await DeleteAllAsync([sa]).ConfigureAwait(false);
            await Task.Delay(100).ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>Deletes the SAs (INFORMATIONAL DELETE to the peer) and waits, bounded, until they are gone.</summary>
    private static async Task DeleteAllAsync(IReadOnlyList<IkeSa> sas)
    {
        foreach (var sa in sas)
        {
            if (sa.State != IkeSaState.Destroyed)
            {
                sa.Delete();
            }
        }

        var deadline = Stopwatch.GetTimestamp() + 30 * Stopwatch.Frequency;
        while (sas.Any(s => s.State != IkeSaState.Destroyed) && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(20).ConfigureAwait(false);
        }

        foreach (var sa in sas.Where(s => s.State != IkeSaState.Destroyed))
        {
            sa.Dispose(); // the peer did not answer the DELETE in time; forget it locally
        }
    }

    private static TimeSpan Remaining(long deadline)
    {
        var ticks = deadline - Stopwatch.GetTimestamp();
        return ticks <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(ticks / (double)Stopwatch.Frequency);
    }
}
