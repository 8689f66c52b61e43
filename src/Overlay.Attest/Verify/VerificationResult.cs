namespace Overlay.Attest.Verify;

public enum Verdict
{
    Trusted,
    Untrusted,
}

public enum FindingSeverity
{
    /// <summary>Worth knowing; does not affect the verdict (e.g. entries measured after the quote).</summary>
    Info,

    /// <summary>Suspicious but not disqualifying (e.g. the host rebooted since the last quote).</summary>
    Warning,

    /// <summary>Makes the evidence untrusted.</summary>
    Error,
}

/// <summary>
/// One reason from verification. <see cref="Id"/> is stable and dotted (<c>quote.magic</c>, <c>quote.nonce</c>,
/// <c>pcr.selection</c>, <c>log.replay</c>, <c>ref.unknown</c> …) so callers and tests match on it, not on text.
/// <see cref="Recoverable"/> says whether fresh evidence could fix it (a stale nonce) or not (a bad signature).
/// </summary>
public sealed record VerificationFinding(string Id, FindingSeverity Severity, string Message, bool Recoverable = false)
{
    public override string ToString() => $"{Id}: {Message}";
}

/// <summary>The outcome of verifying evidence: a verdict with every reason found, never just a bool.</summary>
public sealed class VerificationResult
{
    public VerificationResult(IReadOnlyList<VerificationFinding> findings, AttesterState? newState, int verifiedEntries)
    {
        Findings = findings;
        NewState = newState;
        VerifiedEntries = verifiedEntries;
    }

    public Verdict Verdict => Findings.Any(f => f.Severity == FindingSeverity.Error) ? Verdict.Untrusted : Verdict.Trusted;

    public bool IsTrusted => Verdict == Verdict.Trusted;

    public IReadOnlyList<VerificationFinding> Findings { get; }

    public IEnumerable<VerificationFinding> Errors => Findings.Where(f => f.Severity == FindingSeverity.Error);

    /// <summary>State to keep for this attester and pass to the next verification; null when untrusted.</summary>
    public AttesterState? NewState { get; }

    /// <summary>
    /// Measurement-list entries this verification replayed up to the quoted PCR values and judged: all covered
    /// entries on a full replay, only the new ones when continuing from the last state's checkpoints.
    /// </summary>
    public int VerifiedEntries { get; }

    public bool Has(string id) => Findings.Any(f => f.Id == id);

    public override string ToString() => IsTrusted
        ? "valid"
        : "invalid: " + string.Join("; ", Errors.Select(e => e.ToString()));
}

/// <summary>
/// What a verifier remembers about an attester between quotes: the TPM's reset and restart counters and clock of
/// the last verified quote (a quote whose clock does not move forward within the same boot is a replay), and where
/// each measurement list's replay stopped, so the next verification in the same boot replays only new entries.
/// </summary>
public sealed record AttesterState(uint ResetCount, uint RestartCount, ulong Clock)
{
    public IReadOnlyDictionary<Quote.MeasurementSource, ReplayCheckpoint> Checkpoints { get; init; } =
        new Dictionary<Quote.MeasurementSource, ReplayCheckpoint>();
}
