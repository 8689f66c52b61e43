namespace Overlay.Ike.Sa;

/// <summary>
/// Why an IKE negotiation with a peer failed, as an operator reads it: each reason has a stable snake_case name
/// (<see cref="IkeFailureReasons.Name"/>) used by logs, <c>tvdctl status</c> and metrics, and a hint of what to check.
/// Add new reasons at the end; never rename one (dashboards and alerts match the names).
/// </summary>
public enum IkeFailureReason
{
    /// <summary>An AUTH payload did not verify (a different PSK, an untrusted certificate, another identity), on either side.</summary>
    AuthenticationFailed,

    /// <summary>No IKE or ESP proposal both sides accept (NO_PROPOSAL_CHOSEN, or a KE group neither can agree on).</summary>
    NoProposalChosen,

    /// <summary>A CHILD_SA's traffic selectors or TVD label were refused (TS_UNACCEPTABLE): the policy or the templates differ.</summary>
    TsUnacceptable,

    /// <summary>The peer authenticated but what it proved admits it to no TVD (or a TVD it asked for), or it refused ours.</summary>
    AttestationRefused,

    /// <summary>The peer never answered a request: every retransmission went unanswered.</summary>
    RetransmitsExhausted,

    /// <summary>The responder kept demanding a COOKIE (RFC 7296 §2.6) and the initiator gave up.</summary>
    CookieLimit,

    /// <summary>A new IKE_SA_INIT request was refused at the per-source half-open limit, or displaced a half-open SA.</summary>
    HalfOpenLimit,

    /// <summary>A half-open responder SA was not authenticated within the half-open timeout.</summary>
    HalfOpenTimeout,

    /// <summary>A request was malformed or lacked required payloads (INVALID_SYNTAX), or the peer's answer made no sense.</summary>
    ProtocolError,
}

/// <summary>Names and hints of <see cref="IkeFailureReason"/>, for logs, status and metrics.</summary>
public static class IkeFailureReasons
{
    private static readonly string[] Names =
    [
        "authentication_failed", "no_proposal_chosen", "ts_unacceptable", "attestation_refused", "retransmits_exhausted",
        "cookie_limit", "half_open_limit", "half_open_timeout", "protocol_error",
    ];

    private static readonly string[] Texts =
    [
        "authentication failed", "no proposal chosen", "traffic selectors or TVD label unacceptable", "attestation refused",
        "retransmits exhausted", "cookie limit", "half-open limit", "half-open timeout", "protocol error",
    ];

    private static readonly string[] Hints =
    [
        "the pre-shared key of this pair ([ike] psk or the [[ike.peer]]'s psk) must be the same on both hosts; "
            + "with certificates, the peer's certificate must chain to [ike] ca and name its id; [[ike.peer]] id must be the id the peer sends",
        "[ike] proposals (IKE_SA_INIT) or esp_proposals (CHILD_SA) must share at least one suite with the peer's",
        "both hosts' policies must let the two hosts carry the TVD (tvdctl policy explain join TVD HOST PEER), "
            + "and both configs must agree on the peer's mode (etherip/ip) and selectors",
        "the peer's evidence against the policy's [[attestation]] requirements (tvdctl attest peers; "
            + "tvdctl policy explain --evidence) and whether the peer is a host of the policy",
        "the peer is down, unreachable or not answering IKE: its daemon, the underlay route, a firewall on UDP 500/4500, "
            + "and that the peer lists this host as an [[ike.peer]] with our address",
        "the responder is under load or its cookie secret changed; check its half-open count (tvdctl status) and cookie_threshold",
        "one source holds [ike] half_open_per_source unauthenticated SAs: a flood (spoofed sources) or a peer whose IKE_AUTH never arrives",
        "the initiator's IKE_AUTH never arrived within [ike] half_open_timeout: fragmentation or MTU on the underlay, "
            + "a firewall dropping UDP 4500, or a spoofed IKE_SA_INIT",
        "the peer's implementation and version; a capture with debug_key_export (docs/debugging.md) shows the exchange",
    ];

    /// <summary>Every reason, in declaration order (for status sections and metrics that list all of them, zeros included).</summary>
    public static IReadOnlyList<IkeFailureReason> All { get; } = Enum.GetValues<IkeFailureReason>();

    /// <summary>The stable snake_case name (<c>authentication_failed</c>).</summary>
    public static string Name(this IkeFailureReason reason) => Names[(int)reason];

    /// <summary>The reason as words (<c>authentication failed</c>).</summary>
    public static string Text(this IkeFailureReason reason) => Texts[(int)reason];

    /// <summary>What an operator should check.</summary>
    public static string Hint(this IkeFailureReason reason) => Hints[(int)reason];

    /// <summary>
    /// Whether an error notify ends a negotiation (counted), or is part of one: INVALID_KE_PAYLOAD names the group to
    /// retry with, TEMPORARY_FAILURE asks to retry later (RFC 7296 §2.25), CHILD_SA_NOT_FOUND is a rekey racing a delete.
    /// </summary>
    public static bool IsFailure(NotifyType type)
        => type is not (NotifyType.InvalidKePayload or NotifyType.TemporaryFailure or NotifyType.ChildSaNotFound);

    /// <summary>The reason an error notify the peer sent (or we answer) stands for.</summary>
    public static IkeFailureReason FromNotify(NotifyType type) => type switch
    {
        NotifyType.AuthenticationFailed => IkeFailureReason.AuthenticationFailed,
        NotifyType.NoProposalChosen or NotifyType.InvalidKePayload => IkeFailureReason.NoProposalChosen,
        NotifyType.TsUnacceptable => IkeFailureReason.TsUnacceptable,
        NotifyType.TvdAttestationRefused => IkeFailureReason.AttestationRefused,
        _ => IkeFailureReason.ProtocolError,
    };
}
