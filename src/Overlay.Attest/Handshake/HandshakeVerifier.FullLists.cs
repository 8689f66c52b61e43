using System.Collections.Concurrent;
using Overlay.Attest.Verify;

namespace Overlay.Attest.Handshake;

/// <summary>
/// Getting the full lists when deltas cannot be judged (docs/attestation.md "Per-host state"): a <c>log.delta</c>
/// marks the host's record so <see cref="Checkpoint"/> names no list, and the first one renews our challenge, so the
/// next challenge a peer is sent carries that checkpoint and its answer carries every list in full. Meanwhile the
/// host's last appraisal without <c>log.delta</c> stands (<see cref="PeerAppraisal.Standing"/>) while it is fresh.
/// </summary>
public sealed partial class HandshakeVerifier
{
    private const string LogDelta = "log.delta";

    /// <summary>A new challenge for full lists at most this often: renewing retires a challenge peers may still answer.</summary>
    private static readonly TimeSpan RenewAtMostEvery = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, PeerAppraisal> _lastWithoutDelta = new(StringComparer.Ordinal);

    private static bool AsksForFullLists(IEnumerable<VerificationFinding> common, IEnumerable<RequirementVerdict> verdicts) =>
        common.Concat(verdicts.SelectMany(v => v.Findings)).Any(f => f.Id == LogDelta);

    /// <summary>
    /// Our current challenge went out with the checkpoint that still named the lists: a new one carries the
    /// checkpoint without them. Not when the current one is younger than <see cref="RenewAtMostEvery"/> (many hosts
    /// asked at once, after a reload); those get it with the next rotation.
    /// </summary>
    private void AskForFullLists(DateTimeOffset now)
    {
        if (now - Challenges.Current.IssuedAt >= RenewAtMostEvery)
        {
            Challenges.Renew();
        }
    }

    /// <summary>
    /// Sets <see cref="PeerAppraisal.Standing"/>: when the only errors are <c>log.delta</c>, the host's last appraisal
    /// without <c>log.delta</c> stands in for this one if it met a requirement still fresh (its challenge + max_age not
    /// passed). Every appraisal without <c>log.delta</c> replaces the host's last (one that meets nothing drops it).
    /// </summary>
    private PeerAppraisal WithStanding(string host, PeerAppraisal appraisal, IReadOnlyList<AttestationRequirement> requirements, DateTimeOffset now)
    {
        if (!appraisal.NeedsFullLists)
        {
            if (appraisal.Verdicts.Values.Any(v => v.Met))
            {
                _lastWithoutDelta[host] = appraisal;
            }
            else
            {
                _lastWithoutDelta.TryRemove(host, out _); // nothing older may stand after a refusal
            }

            return appraisal;
        }

        var errors = appraisal.Findings.Concat(appraisal.Verdicts.Values.SelectMany(v => v.Findings)).Where(f => f.Severity == FindingSeverity.Error);
        if (errors.All(f => f.Id == LogDelta)
            && _lastWithoutDelta.TryGetValue(host, out var previous)
            && requirements.Any(r => previous.IsMet(r.Name) && previous.ExpiresAt(r) >= now))
        {
            return appraisal.WithStanding(previous);
        }

        return appraisal;
    }
}
