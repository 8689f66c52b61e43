namespace Overlay.Ike;

/// <summary>Exchange types (RFC 7296 §3.1; IANA "IKEv2 Exchange Types").</summary>
public enum IkeExchangeType : byte
{
    IkeSaInit = 34,          // RFC 7296 §1.2
    IkeAuth = 35,            // RFC 7296 §1.2
    CreateChildSa = 36,      // RFC 7296 §1.3
    Informational = 37,      // RFC 7296 §1.4
    IkeSessionResume = 38,   // RFC 5723
    IkeIntermediate = 43,    // RFC 9242 §3
}

/// <summary>Header flags (RFC 7296 §3.1): bits 3 (I), 4 (V), 5 (R) counting from the most significant bit.</summary>
[Flags]
public enum IkeHeaderFlags : byte
{
    None = 0,
    Initiator = 0x08,  // I: sent by the original initiator of the IKE SA
    Version = 0x10,    // V: sender can speak a higher major version
    Response = 0x20,   // R: this message is a response
}

/// <summary>Payload type numbers (RFC 7296 §3.2; IANA "IKEv2 Payload Types").</summary>
public enum IkePayloadType : byte
{
    NoNextPayload = 0,              // RFC 7296 §3.2
    SecurityAssociation = 33,       // SA,   RFC 7296 §3.3
    KeyExchange = 34,               // KE,   RFC 7296 §3.4
    IdInitiator = 35,               // IDi,  RFC 7296 §3.5
    IdResponder = 36,               // IDr,  RFC 7296 §3.5
    Certificate = 37,               // CERT, RFC 7296 §3.6
    CertificateRequest = 38,        // CERTREQ, RFC 7296 §3.7
    Authentication = 39,            // AUTH, RFC 7296 §3.8
    Nonce = 40,                     // Ni/Nr, RFC 7296 §3.9
    Notify = 41,                    // N,    RFC 7296 §3.10
    Delete = 42,                    // D,    RFC 7296 §3.11
    VendorId = 43,                  // V,    RFC 7296 §3.12
    TrafficSelectorInitiator = 44,  // TSi,  RFC 7296 §3.13
    TrafficSelectorResponder = 45,  // TSr,  RFC 7296 §3.13
    Encrypted = 46,                 // SK,   RFC 7296 §3.14
    Configuration = 47,             // CP,   RFC 7296 §3.15
    Eap = 48,                       // EAP,  RFC 7296 §3.16
    GenericSecurePassword = 49,     // GSPM, RFC 6467
    EncryptedFragment = 53,         // SKF,  RFC 7383 §2.5
    PuzzleSolution = 54,            // PS,   RFC 8019
}

/// <summary>Protocol IDs in proposals, notifies and deletes (RFC 7296 §3.3.1).</summary>
public enum IkeProtocolId : byte
{
    None = 0,   // used in notifies that concern no SA (RFC 7296 §3.10)
    Ike = 1,
    Ah = 2,
    Esp = 3,
}
