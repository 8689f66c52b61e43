using Overlay.Labels.Compiled;

namespace Overlay.Labels.Decisions;

/// <summary>
/// The answer to "may this guest bind to that resource / start on that host?", "may this TVD travel
/// between these two hosts?" or "may this peer host be in this TVD's network, given what it proved?". A value with
/// references to the compiled policy's own objects and type ids as witnesses, so deciding allocates
/// nothing; the human explanation is built only when someone reads it (<see cref="ToString"/>).
/// </summary>
public readonly struct Decision
{
    internal Decision(
        CompiledPolicy policy,
        DecisionAction action,
        bool allowed,
        DecisionRule rule,
        CompiledGuest? guest,
        CompiledResource? resource = null,
        CompiledHost? host = null,
        int typeId = -1,
        int otherTypeId = -1,
        string? subject = null,
        CompiledTvd? tvd = null,
        CompiledHost? peerHost = null,
        CarrySide lacking = CarrySide.None,
        CompiledAttestation? requirement = null,
        AttestationOutcome attestationOutcome = AttestationOutcome.None,
        AttestationVerdict attestationVerdict = default)
    {
        Policy = policy;
        Action = action;
        Allowed = allowed;
        Rule = rule;
        Guest = guest;
        Resource = resource;
        Host = host;
        TypeId = typeId;
        OtherTypeId = otherTypeId;
        Subject = subject;
        Tvd = tvd;
        PeerHost = peerHost;
        Lacking = lacking;
        Requirement = requirement;
        AttestationOutcome = attestationOutcome;
        AttestationVerdict = attestationVerdict;
    }

    public CompiledPolicy Policy { get; }

    public DecisionAction Action { get; }

    public bool Allowed { get; }

    /// <summary>For a denial, the rule that denied; for an allow, the last rule checked.</summary>
    public DecisionRule Rule { get; }

    public CompiledGuest? Guest { get; }

    public CompiledResource? Resource { get; }

    /// <summary>The host started on; for a carry or a join, this host (the end asking).</summary>
    public CompiledHost? Host { get; }

    /// <summary>Carry and join: the peer host at the other end.</summary>
    public CompiledHost? PeerHost { get; }

    /// <summary>Carry and join: the TVD asked about (its STE type is <see cref="TypeId"/>).</summary>
    public CompiledTvd? Tvd { get; }

    /// <summary>Carry and join denial witness: which of <see cref="Host"/> and <see cref="PeerHost"/> may not run <see cref="TypeId"/>.</summary>
    public CarrySide Lacking { get; }

    /// <summary>Join: the TVD's attestation requirement, when the attestation side was judged (<see cref="DecisionRule.Attestation"/>).</summary>
    public CompiledAttestation? Requirement { get; }

    /// <summary>Join: how the attestation side came out (<see cref="AttestationOutcome.NotRequired"/> when the TVD names none).</summary>
    public AttestationOutcome AttestationOutcome { get; }

    /// <summary>Join: the peer's verdict for <see cref="Requirement"/> as it was given (findings, expiry).</summary>
    public AttestationVerdict AttestationVerdict { get; }

    /// <summary>Witness type: the shared type (STE allow), the guest's offending type (host / CW deny), the TVD's type (carry), else -1.</summary>
    public int TypeId { get; }

    /// <summary>Chinese Wall denial: the running type that conflicts with <see cref="TypeId"/>.</summary>
    public int OtherTypeId { get; }

    /// <summary>A name the witness needs: the running guest holding the conflicting type, or the unknown name.</summary>
    public string? Subject { get; }

    /// <summary>The same decision naming the running guest (or other subject) that explains it.</summary>
    public Decision WithSubject(string subject) =>
        new(Policy, Action, Allowed, Rule, Guest, Resource, Host, TypeId, OtherTypeId, subject, Tvd, PeerHost, Lacking,
            Requirement, AttestationOutcome, AttestationVerdict);

    /// <summary>The reason alone, without the allow/deny verdict.</summary>
    public string Reason => DecisionText.Reason(this);

    /// <summary><c>allow: …</c> or <c>deny: …</c> with the rule and the types involved.</summary>
    public override string ToString() => $"{(Allowed ? "allow" : "deny")}: {Reason}";
}
