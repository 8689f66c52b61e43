namespace Overlay.Ike;

/// <summary>
/// Notify message types (RFC 7296 §3.10.1 and later RFCs; IANA "IKEv2 Notify Message Types").
/// Values below 16384 are errors; 16384 and above are status types.
/// </summary>
public enum NotifyType : ushort
{
    /// <summary>Reserved value 0; used here to mean "send no notify" (e.g. ICV failures are dropped silently, §2.21.1).</summary>
    None = 0,

    // ---- Error types (RFC 7296 §3.10.1 unless noted) ----
    UnsupportedCriticalPayload = 1,
    InvalidIkeSpi = 4,
    InvalidMajorVersion = 5,
    InvalidSyntax = 7,
    InvalidMessageId = 9,
    InvalidSpi = 11,
    NoProposalChosen = 14,
    InvalidKePayload = 17,
    AuthenticationFailed = 24,
    SinglePairRequired = 34,
    NoAdditionalSas = 35,
    InternalAddressFailure = 36,
    FailedCpRequired = 37,
    TsUnacceptable = 38,
    InvalidSelectors = 39,
    UnacceptableAddresses = 40,     // RFC 4555 (MOBIKE)
    UnexpectedNatDetected = 41,     // RFC 4555
    UseAssignedHoA = 42,            // RFC 5026
    TemporaryFailure = 43,          // RFC 7296 §2.25
    ChildSaNotFound = 44,           // RFC 7296 §2.25
    InvalidGroupId = 45,            // IANA, from the G-IKEv2 draft
    AuthorizationFailed = 46,       // IANA, from the G-IKEv2 draft
    StateNotFound = 47,             // RFC 9370 §2.2.4

    // ---- Status types ----
    InitialContact = 16384,
    SetWindowSize = 16385,
    AdditionalTsPossible = 16386,
    IpcompSupported = 16387,
    NatDetectionSourceIp = 16388,       // RFC 7296 §2.23
    NatDetectionDestinationIp = 16389,  // RFC 7296 §2.23
    Cookie = 16390,                     // RFC 7296 §2.6
    UseTransportMode = 16391,
    HttpCertLookupSupported = 16392,
    RekeySa = 16393,
    EspTfcPaddingNotSupported = 16394,
    NonFirstFragmentsAlso = 16395,
    MobikeSupported = 16396,            // RFC 4555
    AdditionalIp4Address = 16397,       // RFC 4555
    AdditionalIp6Address = 16398,       // RFC 4555
    NoAdditionalAddresses = 16399,      // RFC 4555
    UpdateSaAddresses = 16400,          // RFC 4555
    Cookie2 = 16401,                    // RFC 4555
    NoNatsAllowed = 16402,              // RFC 4555
    AuthLifetime = 16403,               // RFC 4478
    MultipleAuthSupported = 16404,      // RFC 4739
    AnotherAuthFollows = 16405,         // RFC 4739
    RedirectSupported = 16406,          // RFC 5685
    Redirect = 16407,                   // RFC 5685
    RedirectedFrom = 16408,             // RFC 5685
    TicketLtOpaque = 16409,             // RFC 5723
    TicketRequest = 16410,              // RFC 5723
    TicketAck = 16411,                  // RFC 5723
    TicketNack = 16412,                 // RFC 5723
    TicketOpaque = 16413,               // RFC 5723
    LinkId = 16414,                     // RFC 5739
    UseWespMode = 16415,                // RFC 5840
    RohcSupported = 16416,              // RFC 5857
    EapOnlyAuthentication = 16417,      // RFC 5998
    ChildlessIkev2Supported = 16418,    // RFC 6023
    QuickCrashDetection = 16419,        // RFC 6290
    Ikev2MessageIdSyncSupported = 16420, // RFC 6311
    IpsecReplayCounterSyncSupported = 16421, // RFC 6311
    Ikev2MessageIdSync = 16422,         // RFC 6311
    IpsecReplayCounterSync = 16423,     // RFC 6311
    SecurePasswordMethods = 16424,      // RFC 6467
    PskPersist = 16425,                 // RFC 6631
    PskConfirm = 16426,                 // RFC 6631
    ErxSupported = 16427,               // RFC 6867
    IfomCapability = 16428,             // 3GPP TS 24.303
    SenderRequestIdAddresses = 16429,   // G-IKEv2 draft
    Ikev2FragmentationSupported = 16430, // RFC 7383 §2.3
    SignatureHashAlgorithms = 16431,    // RFC 7427 §4
    CloneIkeSaSupported = 16432,        // RFC 7791
    CloneIkeSa = 16433,                 // RFC 7791
    Puzzle = 16434,                     // RFC 8019
    UsePpk = 16435,                     // RFC 8784
    PpkIdentity = 16436,                // RFC 8784
    NoPpkAuth = 16437,                  // RFC 8784
    IntermediateExchangeSupported = 16438, // RFC 9242 §3
    Ip4Allowed = 16439,                 // RFC 8983
    Ip6Allowed = 16440,                 // RFC 8983
    AdditionalKeyExchange = 16441,      // RFC 9370
    UseAggfrag = 16442,                 // RFC 9347
    SupportedAuthMethods = 16443,       // RFC 9593

    // Private use (40960–65535, RFC 7296 §3.10.1): attested IKE between TVD Overlay hosts (docs/protocol.md).
    // Status types, so a stock peer that does not know them ignores them (§3.10.1).
    TvdAttestationSupported = 40961,    // IKE_SA_INIT: u8 version | our challenge
    TvdAttestationEvidence = 40962,     // IKE_AUTH, INFORMATIONAL: u16 part | u16 parts | chunk of the evidence bundle
    TvdAttestationBinding = 40963,      // IKE_AUTH, INFORMATIONAL: the ephemeral key's signature over the binding octets
    TvdAttestationChallenge = 40964,    // INFORMATIONAL: a new challenge of the sender
    TvdAttestationCheckpoint = 40965,   // IKE_AUTH request, INFORMATIONAL: what the sender holds of the receiver's lists
    TvdAttestationRefused = 40966,      // beside TS_UNACCEPTABLE (or alone in INFORMATIONAL): why, as UTF-8 finding ids
}

/// <summary>Range boundaries of the notify type space (RFC 7296 §3.10.1, IANA).</summary>
public static class NotifyTypeRanges
{
    /// <summary>Error types 8192–16383 are reserved for private use (IANA).</summary>
    public const ushort PrivateErrorFirst = 8192;

    /// <summary>Status types 40960–65535 are reserved for private use (IANA).</summary>
    public const ushort PrivateStatusFirst = 40960;

    /// <summary>True when the notify reports an error (RFC 7296 §3.10.1: types below 16384).</summary>
    public static bool IsError(NotifyType type) => (ushort)type < IkeConstants.FirstStatusNotifyType;
}
