using Overlay.Attest.Quote;
using Overlay.Attest.Structures;
using Overlay.Attest.Verify;

namespace Overlay.Attest.Handshake;

/// <summary>
/// A bundle judged against one requirement without a handshake (<see cref="HandshakeVerifier.AppraiseOffline"/>):
/// everything the verifier checks that the bundle alone can show, and a verdict that holds only if the checks
/// listed in <see cref="NotChecked"/> would pass in the handshake that carries it.
/// </summary>
public sealed class OfflineAppraisal
{
    /// <summary>
    /// Finding ids of the handshake verifier no offline appraisal can judge: <c>binding</c> (K_e's signature over the
    /// binding octets of one handshake, e.g. an IKE SA's AUTH octets) and <c>challenge</c> (whether the challenge the
    /// bundle answers is the verifier's own, and when it was issued).
    /// </summary>
    public static IReadOnlyList<string> NotChecked { get; } = ["binding", "challenge"];

    public required AttestationRequirement Requirement { get; init; }

    /// <summary>The host the bundle was judged for (the one whose AK must be trusted), not necessarily the one it names.</summary>
    public required string HostId { get; init; }

    /// <summary>When the bundle is known to have existed (its quote is at least this old); the age is counted from here.</summary>
    public required DateTimeOffset ExistedAt { get; init; }

    /// <summary>The time the appraisal is for: AK certificates are checked and the age is measured at this time.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>Findings about the bundle as a whole: decoding, host, Merkle proof, quote, lists, clock.</summary>
    public required IReadOnlyList<VerificationFinding> Findings { get; init; }

    /// <summary>The requirement's verdict: the common findings followed by its own (AK trust, PCRs, TPM kind, age, references).</summary>
    public required RequirementVerdict Verdict { get; init; }

    /// <summary>
    /// Why the bundle cannot be judged offline at all, or null: it does not decode, or a list is a delta that only
    /// the verifier holding its checkpoint can replay. The verdict is then no answer to "would it be admitted".
    /// </summary>
    public string? Unappraisable { get; init; }

    /// <summary>The quote as signed, once the bundle got that far.</summary>
    public TpmsAttest? Quote { get; init; }

    /// <summary>Lowercase hex SHA-256 of the AK's SubjectPublicKeyInfo, once the bundle got that far.</summary>
    public string? AkFingerprint { get; init; }

    /// <summary>What the bundle declared (see <see cref="EvidenceBundle.SoftwareTpm"/>).</summary>
    public bool SoftwareTpm { get; init; }

    /// <summary>The bundle's measurement lists and how far each replayed.</summary>
    public IReadOnlyList<OfflineList> Lists { get; init; } = [];

    /// <summary>The bundle can be judged and meets the requirement.</summary>
    public bool Met => Unappraisable is null && Verdict.Met;

    /// <summary>
    /// The latest the evidence can still be fresh for the requirement: <see cref="ExistedAt"/> + max_age (the
    /// verifier's challenge predates the quote, so a handshake may find it expired sooner).
    /// </summary>
    public DateTimeOffset ExpiresAt => ExistedAt + Requirement.MaxAge;
}

/// <summary>
/// One measurement list of an offline appraisal: its entries from <see cref="Base"/> on (a delta when above 0),
/// <see cref="Entries"/> in all (base included), <see cref="Covered"/> of them explained by the quote (null when the
/// list was not replayed: malformed, a delta, or a quote whose PCR values are not bound).
/// </summary>
public sealed record OfflineList(MeasurementSource Source, int Base, int? Entries, int? Covered);
