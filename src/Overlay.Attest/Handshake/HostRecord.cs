using System.Collections.Immutable;
using Overlay.Attest.Quote;
using Overlay.Attest.Verify;

namespace Overlay.Attest.Handshake;

/// <summary>
/// What a <see cref="HandshakeVerifier"/> keeps about one host, immutable (a verification replaces it whole): the AK it
/// was verified under, the last accepted quote's counters and clock with the replay checkpoints, that quote's digest
/// (the same quote is legitimately presented in many handshakes), and per requirement the judgement of the entries
/// seen so far in this boot. Only evidence from an AK some requirement trusts for the host ever gets here.
/// </summary>
internal sealed record HostRecord(string AkFingerprint, AttesterState State, byte[] AttestDigest, ImmutableDictionary<string, Judgement> Judgements)
{
    /// <summary>
    /// The host's last evidence got <c>log.delta</c>: the verifier cannot judge from deltas what it holds, so the
    /// checkpoint it hands out names no list (the attester then sends every list in full) until evidence without
    /// <c>log.delta</c> is accepted.
    /// </summary>
    public bool FullListsWanted { get; init; }

    public bool SameBoot(uint resetCount, uint restartCount) => State.ResetCount == resetCount && State.RestartCount == restartCount;

    public ListCheckpoint ToCheckpoint() => new(State.ResetCount, State.RestartCount,
        FullListsWanted ? new Dictionary<MeasurementSource, int>() : State.Checkpoints.ToDictionary(c => c.Key, c => c.Value.Offset));
}

/// <summary>
/// A requirement's verdict on the entries judged so far, valid for one boot, one reference-values instance and one
/// PCR set: failures are sticky until a full list starts the source over, or a reboot starts everything over.
/// </summary>
internal sealed record Judgement(uint ResetCount, uint RestartCount, ReferenceValues References, string PcrKey,
    ImmutableDictionary<MeasurementSource, SourceJudgement> Sources);

/// <summary>Entries [0, JudgedUpTo) of one list judged; the first failures kept (bounded), all of them counted.</summary>
internal sealed record SourceJudgement(int JudgedUpTo, ImmutableArray<VerificationFinding> Failures, int FailureCount)
{
    public const int MaxKeptFailures = 32;

    public static readonly SourceJudgement Empty = new(0, [], 0);
}
