namespace Overlay.Labels.Decisions;

/// <summary>The rule that decided. Printed in explanations and audit records by <see cref="DecisionText.RuleName"/>.</summary>
public enum DecisionRule
{
    /// <summary>Simple Type Enforcement: a guest binds to a resource iff they share a type.</summary>
    SimpleTypeEnforcement,

    /// <summary>Chinese Wall: a guest starts iff no running guest holds a type conflicting with one of its types.</summary>
    ChineseWall,

    /// <summary>Host authorization: every type of the guest is one the host may run.</summary>
    HostAuthorization,

    /// <summary>Carriage: a TVD travels between two hosts iff both may run its STE type.</summary>
    Carriage,

    /// <summary>Attestation: a peer joins a TVD that names a requirement only while its evidence meets it, fresh.</summary>
    Attestation,

    /// <summary>Lifecycle: a guest runs on one host at a time.</summary>
    Lifecycle,

    /// <summary>The request names a guest, resource or host the policy does not know.</summary>
    UnknownReference,
}

/// <summary>What was asked for.</summary>
public enum DecisionAction
{
    Attach,
    Start,

    /// <summary>A TVD's traffic between this host and a peer host (a CHILD_SA for its label).</summary>
    Carry,

    /// <summary>
    /// A peer host in a TVD's network: carriage, then what the peer proved against the TVD's attestation
    /// requirement (may this CHILD_SA exist, now?).
    /// </summary>
    Join,
}
