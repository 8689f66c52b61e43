namespace Overlay.Cli.Graph;

/// <summary>
/// What <c>tvdctl graph</c> draws: one host's overlay as its daemon reports it (<see cref="GraphStateReader"/> builds it
/// from <c>status</c> and <c>guest list</c>). Plain data, every list in a fixed order (by name, ordinal), so the same
/// state always makes the same picture byte for byte (<see cref="SvgGraph"/>).
/// </summary>
internal sealed record GraphState(
    string Host,
    string? Policy,
    IReadOnlyList<GraphTvd> Tvds,
    IReadOnlyList<GraphGuest> Guests,
    IReadOnlyList<GraphPeer> Peers,
    IReadOnlyList<GraphRefusal> RefusedJoins,
    IReadOnlyList<GraphBlocked> Blocked);

/// <param name="Requirement">The TVD's <c>[[attestation]]</c> requirement, when the daemon names one.</param>
internal sealed record GraphTvd(string Name, string? Label, int? Vlan, string? Requirement);

/// <param name="Problem">Why the guest could not be defined or started, if so.</param>
internal sealed record GraphGuest(string Name, string? State, IReadOnlyList<GraphGuestPort> Ports, string? Problem);

/// <param name="Tvd">The TVD's name; null when the daemon does not say (a refused port).</param>
/// <param name="Refused">The port was refused (policy) or could not be attached: <see cref="Problem"/> says why.</param>
internal sealed record GraphGuestPort(string Port, string? Network, string? Tvd, bool Refused, string? Problem);

internal sealed record GraphPeer(string Name, string? Address, IReadOnlyList<GraphLink> Links, string? LastFailure);

internal enum LinkState
{
    /// <summary>A CHILD_SA (or a static SA pair) carries the TVD.</summary>
    Up,

    /// <summary>The join decision denies the TVD to the peer (or the peer refused us).</summary>
    Refused,

    /// <summary>Allowed, but no SA carries it (yet).</summary>
    Down,
}

internal enum LinkAttestation
{
    /// <summary>The TVD names no requirement.</summary>
    NotRequired,

    /// <summary>The peer meets the TVD's requirement now.</summary>
    Attested,

    /// <summary>The peer does not meet it (or presented nothing).</summary>
    Refused,

    /// <summary>Statically keyed: no IKE, nothing proved (only allowed for TVDs without a requirement).</summary>
    Static,
}

/// <param name="EvidenceAgeS">Age of the evidence the peer's IKE SA holds, in seconds.</param>
/// <param name="Reason">For a refused link, the join decision's reason (the verifier's finding).</param>
internal sealed record GraphLink(string Tvd, LinkState State, LinkAttestation Attestation, double? EvidenceAgeS, string? Reason);

/// <param name="By"><c>us</c>: this host refused the peer; <c>peer</c>: the peer refused this host.</param>
internal sealed record GraphRefusal(string Peer, string Tvd, string By, string Reason, long Count);

/// <param name="Where">A guest port (<c>port NAME</c>) or a peer's tunnel (<c>peer NAME</c>), or <c>daemon</c> for the total.</param>
/// <param name="Reason">The data plane's drop reason (<c>foreign_tag</c>, ...) or <c>refused_port</c>.</param>
internal sealed record GraphBlocked(string Where, string? Tvd, string Reason, long Count, string? Detail);
