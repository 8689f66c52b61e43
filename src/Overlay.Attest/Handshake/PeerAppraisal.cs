using Overlay.Attest.Verify;

namespace Overlay.Attest.Handshake;

/// <summary>
/// Whether one requirement is met, with every finding that bears on it: the bundle's common findings first, then
/// the requirement's own (AK trust for this host, PCR coverage, reference values, software TPM, challenge age).
/// </summary>
public sealed record RequirementVerdict(bool Met, IReadOnlyList<VerificationFinding> Findings)
{
    public bool Has(string id) => Findings.Any(f => f.Id == id);

    public IEnumerable<VerificationFinding> Errors => Findings.Where(f => f.Severity == FindingSeverity.Error);

    public override string ToString() => Met ? "met" : "not met: " + string.Join("; ", Errors);
}

/// <summary>The outcome of verifying one peer's bundle in one handshake, per requirement.</summary>
public sealed class PeerAppraisal
{
    public required string HostId { get; init; }

    /// <summary>When the verifier issued the challenge the evidence answers; null when it is not one of ours.</summary>
    public DateTimeOffset? ChallengeIssuedAt { get; init; }

    public required DateTimeOffset VerifiedAt { get; init; }

    /// <summary>Findings about the bundle as a whole: decoding, binding, challenge, quote, lists, counters.</summary>
    public required IReadOnlyList<VerificationFinding> Findings { get; init; }

    /// <summary>One verdict per requirement name.</summary>
    public required IReadOnlyDictionary<string, RequirementVerdict> Verdicts { get; init; }

    /// <summary>Lowercase hex SHA-256 of the AK's SubjectPublicKeyInfo, when the bundle got that far.</summary>
    public string? AkFingerprint { get; init; }

    /// <summary>What the bundle declared (see <see cref="EvidenceBundle.SoftwareTpm"/>).</summary>
    public bool SoftwareTpm { get; init; }

    /// <summary>
    /// Whether any verdict or the bundle asks for the full lists (a <c>log.delta</c> finding). The verifier has
    /// already acted on it: its <see cref="HandshakeVerifier.Checkpoint"/> for the host names no list now.
    /// </summary>
    public bool NeedsFullLists => Findings.Concat(Verdicts.Values.SelectMany(v => v.Findings)).Any(f => f.Id == "log.delta");

    /// <summary>
    /// When the only errors are <c>log.delta</c> (the full lists are on their way): the host's last appraisal without
    /// them that still meets a requirement within its max_age, which stands in for this one until then. Null otherwise.
    /// </summary>
    public PeerAppraisal? Standing { get; private init; }

    /// <summary>What the caller acts on: <see cref="Standing"/> if set, else this appraisal.</summary>
    public PeerAppraisal Effective => Standing ?? this;

    internal PeerAppraisal WithStanding(PeerAppraisal previous) => new()
    {
        HostId = HostId,
        ChallengeIssuedAt = ChallengeIssuedAt,
        VerifiedAt = VerifiedAt,
        Findings = Findings,
        Verdicts = Verdicts,
        AkFingerprint = AkFingerprint,
        SoftwareTpm = SoftwareTpm,
        Standing = previous,
    };

    public bool IsMet(string requirement) => Verdicts.TryGetValue(requirement, out var verdict) && verdict.Met;

    /// <summary>When evidence accepted for <paramref name="requirement"/> stops being fresh: challenge issue time + max_age.</summary>
    public DateTimeOffset? ExpiresAt(AttestationRequirement requirement) => ChallengeIssuedAt + requirement.MaxAge;
}
