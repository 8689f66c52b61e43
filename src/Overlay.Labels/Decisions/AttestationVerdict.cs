using Overlay.Labels.Compiled;

namespace Overlay.Labels.Decisions;

/// <summary>
/// What attestation concluded about a peer host's evidence for one requirement: the input of the join decision's
/// attestation side. Attestation (the verifier) makes it; Labels only reads it, at the time it is given.
/// </summary>
/// <param name="Presented">False when the peer presented no evidence that could be judged for the requirement.</param>
/// <param name="Met">True when the evidence meets every part of the requirement (quote, PCRs, reference values, AK, TPM kind).</param>
/// <param name="Findings">
/// The verifier's findings, one line, ids first (<c>ref.unknown /usr/bin/evil sha256:…</c>, <c>quote.nonce</c>,
/// <c>ak.trust</c>); shown in a denial. May be empty.
/// </param>
/// <param name="ExpiresAt">
/// When the evidence stops being fresh enough for the requirement: its freshness point (the verifier's challenge)
/// plus the requirement's <see cref="CompiledAttestation.MaxAge"/>. Needed when <paramref name="Met"/>: a met
/// verdict without it is refused, as is one that runs longer than max_age from now.
/// </param>
public readonly record struct AttestationVerdict(bool Presented, bool Met, string Findings, DateTimeOffset? ExpiresAt)
{
    /// <summary>No evidence for the requirement (what a null <see cref="IAttestationStatus"/> means for every requirement).</summary>
    public static AttestationVerdict NotPresented { get; } = new(false, false, "", null);

    /// <summary>Evidence that meets the requirement until <paramref name="expiresAt"/>.</summary>
    public static AttestationVerdict MetUntil(DateTimeOffset expiresAt, string findings = "") => new(true, true, findings, expiresAt);

    /// <summary>Evidence that was judged and fails the requirement, with the findings that say why.</summary>
    public static AttestationVerdict NotMet(string findings) => new(true, false, findings, null);
}

/// <summary>
/// What one peer host proved, as the join decision asks it: a verdict per requirement. The daemon implements it over
/// the appraisal of the peer's evidence on its IKE SA; a peer that presented nothing at all (a stock strongSwan) is a
/// null status, not an implementation. Called while a decision is taken, possibly every second per CHILD_SA:
/// it must be cheap, must not block, must not throw, and should not allocate.
/// </summary>
public interface IAttestationStatus
{
    /// <summary>
    /// The verdict on the peer's evidence for <paramref name="requirement"/>, judged against that object (a reload
    /// that changes a requirement gives a new one: compute <see cref="AttestationVerdict.ExpiresAt"/> from its
    /// <see cref="CompiledAttestation.MaxAge"/>, and re-appraise when its PCRs, references or AK trust differ).
    /// </summary>
    AttestationVerdict For(CompiledAttestation requirement);
}

/// <summary>How the attestation side of a join came out; <see cref="Decision.AttestationOutcome"/>.</summary>
public enum AttestationOutcome
{
    /// <summary>Not a join, or a join that carriage denied before attestation was asked.</summary>
    None,

    /// <summary>The TVD names no requirement: carriage alone decided.</summary>
    NotRequired,

    /// <summary>Presented, met, and fresh at the time of the decision.</summary>
    Met,

    /// <summary>No evidence for the requirement (or no status at all).</summary>
    NotPresented,

    /// <summary>Evidence judged and failing the requirement; the findings say why.</summary>
    NotMet,

    /// <summary>Met, but it expired at or before the time of the decision.</summary>
    Expired,

    /// <summary>Met, but without an expiry time: its freshness cannot be checked.</summary>
    NoExpiry,

    /// <summary>Met, but valid until later than max_age from now: it was not judged against this requirement as it is.</summary>
    BeyondMaxAge,
}
