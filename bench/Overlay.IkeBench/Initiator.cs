using System.Diagnostics;
using System.Net;
using Overlay.Daemon.IkeHost;
using Overlay.Ike;
using Overlay.Ike.Sa;

namespace Overlay.IkeBench;

/// <summary>
/// Our IKE as initiator: a windowed handshake rate (up to Window IKE_SA+CHILD_SA setups in
/// flight, a new one started as each CHILD_SA is installed) and serial setup latency (one at a
/// time, initiate → CHILD_SA installed), both built on one <see cref="SetupAsync"/> that the storm
/// paces too. Between runs every SA is deleted so the responder starts empty, as the strongSwan runs
/// do with terminate.
/// </summary>
public sealed class Initiator(StandaloneIke daemon, CountingSink sink, BenchOptions options)
{
    private readonly IkeSaConfig _config = BenchConfig.Ike(options);
    private readonly ChildSaConfig _child = BenchConfig.Child(options);
    private readonly IPEndPoint _peer = options.Peer;

    /// <summary>How one setup ended: its IKE SA, and the milliseconds to its CHILD_SA or why there was none.</summary>
    public sealed record SetupOutcome(IkeSa Sa, double? Milliseconds, SetupFailure Failure, string? Reason);

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

                var sa = Start(_child);
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
        await DeleteAllAsync(sas, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        return new RateResult(up, seconds, failures + stalled, sas.Count);
    }

    /// <summary>One setup at a time; the milliseconds of each, or null where it failed (with the reason printed).</summary>
    public async Task<List<double?>> RunSerialAsync(int count, TextWriter log)
    {
        var result = new List<double?>(count);
        for (var i = 0; i < count; i++)
        {
            var outcome = await SetupAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            result.Add(outcome.Milliseconds);
            if (outcome.Milliseconds is null)
            {
                log.WriteLine($"# serial {i}: no CHILD_SA within 10 s ({outcome.Sa.State}, {outcome.Reason})");
            }

            await DeleteAllAsync([outcome.Sa], TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            await Task.Delay(100).ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>
    /// One IKE_SA_INIT + IKE_AUTH + CHILD_SA: done when the CHILD_SA is installed, the IKE SA dies, or
    /// <paramref name="timeout"/> passes. The SA is left as it is (the caller deletes it). Several may
    /// run at once: each asks with its own copy of the CHILD_SA config, which is how its install is told apart.
    /// </summary>
    public async Task<SetupOutcome> SetupAsync(TimeSpan timeout)
    {
        var child = _child with { };
        var done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnUp(ChildSa c)
        {
            if (ReferenceEquals(c.Template, child))
            {
                done.TrySetResult(true);
            }
        }

        sink.Installed += OnUp;
        var t0 = Stopwatch.GetTimestamp();
        var sa = Start(child);
        sa.Destroyed += _ => done.TrySetResult(false);
        if (sa.State == IkeSaState.Destroyed)
        {
            done.TrySetResult(false); // died before we listened
        }

        var installed = false;
        try
        {
            installed = await done.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        finally
        {
            sink.Installed -= OnUp;
        }

        return installed
            ? new SetupOutcome(sa, Stopwatch.GetElapsedTime(t0).TotalMilliseconds, SetupFailure.None, null)
            : new SetupOutcome(sa, null, SetupFailures.Of(sa), sa.ChildFailureReason ?? sa.FailureReason ?? sa.State.ToString());
    }

    /// <summary>An IKE SA towards the peer; one addressed on its NAT-T port hears from ours (RFC 7296 §2.23).</summary>
    private IkeSa Start(ChildSaConfig child)
    {
        var local = _peer.Port == IkeConstants.NatTraversalPort ? daemon.Transport.NatTraversalEndpoint : daemon.Transport.IkeEndpoint;
        return daemon.Manager.Initiate(_config, child, local, _peer);
    }

    /// <summary>
    /// Deletes the SAs (INFORMATIONAL DELETE to the peer) and waits, at most <paramref name="bound"/>, until they
    /// are gone; those still there are forgotten locally. Returns how many went away in time.
    /// </summary>
    public static async Task<int> DeleteAllAsync(IReadOnlyList<IkeSa> sas, TimeSpan bound)
    {
        foreach (var sa in sas)
        {
            if (sa.State is not (IkeSaState.Destroyed or IkeSaState.Deleting))
            {
                sa.Delete();
            }
        }

        var deadline = Stopwatch.GetTimestamp() + (long)(bound.TotalSeconds * Stopwatch.Frequency);
        while (sas.Any(s => s.State != IkeSaState.Destroyed) && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(20).ConfigureAwait(false);
        }

        var gone = sas.Count(s => s.State == IkeSaState.Destroyed);
        foreach (var sa in sas.Where(s => s.State != IkeSaState.Destroyed))
        {
            sa.Dispose(); // the peer did not answer the DELETE in time; forget it locally
        }

        return gone;
    }

    private static TimeSpan Remaining(long deadline)
    {
        var ticks = deadline - Stopwatch.GetTimestamp();
        return ticks <= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(ticks / (double)Stopwatch.Frequency);
    }
}
