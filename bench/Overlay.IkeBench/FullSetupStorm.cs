using Overlay.Ike.Sa;

namespace Overlay.IkeBench;

/// <summary>
/// Full setups at a steady pace: IKE_SA_INIT + IKE_AUTH (PSK) + CHILD_SA through <see cref="Initiator.SetupAsync"/>,
/// each deleted (INFORMATIONAL DELETE) as soon as its CHILD_SA is up. Open loop: a token bucket starts
/// them at the rate whatever the responder does, at most --max-in-flight at once (a start that finds no
/// free slot is skipped and counted), each bounded by --setup-timeout, so the run ends on time.
/// </summary>
public sealed class FullSetupStorm(Initiator initiator, BenchOptions options)
{
    /// <summary>How long the end of the run waits for the responder to answer the last DELETEs.</summary>
    private static readonly TimeSpan DeleteBound = TimeSpan.FromSeconds(5);

    public sealed record Counts(
        int Started, int Completed, int Skipped, int Deleted, IReadOnlyDictionary<SetupFailure, int> Failed,
        IReadOnlyDictionary<SetupFailure, string> FirstReason, IReadOnlyList<double> SetupMilliseconds)
    {
        /// <summary>A storm without full setups (--full-rate 0).</summary>
        public static Counts None { get; } = new(0, 0, 0, 0, new Dictionary<SetupFailure, int>(), new Dictionary<SetupFailure, string>(), []);
    }

    /// <summary>Starts setups until <paramref name="deadline"/> (a Stopwatch timestamp), then lets the started ones finish.</summary>
    public async Task<Counts> RunAsync(long deadline)
    {
        var bucket = new TokenBucket(options.FullRate, burst: TokenBucket.QuarterSecondOf(options.FullRate));
        using var slots = new SemaphoreSlim(options.MaxInFlight);
        var running = new List<Task<Initiator.SetupOutcome>>();
        var skipped = 0;
        while (await bucket.TakeAsync(deadline).ConfigureAwait(false))
        {
            if (!slots.Wait(0))
            {
                skipped++;
                continue;
            }

            running.Add(SetupThenDeleteAsync(slots));
        }

        var outcomes = await Task.WhenAll(running).ConfigureAwait(false);
        var completed = outcomes.Where(o => o.Milliseconds is not null).ToList();
        var deleted = await Initiator.DeleteAllAsync([.. completed.Select(o => o.Sa)], DeleteBound).ConfigureAwait(false);
        var failures = outcomes.Where(o => o.Failure != SetupFailure.None).ToList();
        return new Counts(
            outcomes.Length, completed.Count, skipped, deleted,
            failures.GroupBy(o => o.Failure).ToDictionary(g => g.Key, g => g.Count()),
            failures.GroupBy(o => o.Failure).ToDictionary(g => g.Key, g => g.First().Reason ?? ""),
            [.. completed.Select(o => o.Milliseconds!.Value).Order()]);
    }

    private async Task<Initiator.SetupOutcome> SetupThenDeleteAsync(SemaphoreSlim slots)
    {
        try
        {
            var outcome = await initiator.SetupAsync(options.SetupTimeout).ConfigureAwait(false);
            if (outcome.Sa.State == IkeSaState.Established)
            {
                outcome.Sa.Delete(); // up (or its CHILD_SA refused): the responder forgets it too
            }
            else
            {
                outcome.Sa.Dispose(); // still negotiating: give up locally, no more retransmits
            }

            return outcome;
        }
        finally
        {
            slots.Release();
        }
    }
}
