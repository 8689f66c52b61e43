namespace Overlay.Ike;

/// <summary>Identification types (RFC 7296 §3.5).</summary>
public enum IdType : byte
{
    Ipv4Address = 1,   // 4 octets
    Fqdn = 2,          // ASCII, no terminator
    Rfc822Address = 3, // ASCII e-mail address
    Ipv6Address = 5,   // 16 octets
    DerAsn1Dn = 9,     // DER Distinguished Name
    DerAsn1Gn = 10,    // DER General Name
    KeyId = 11,        // opaque octets
}

/// <summary>Authentication methods (RFC 7296 §3.8; RFC 7427 for digital signatures).</summary>
public enum AuthMethod : byte
{
    RsaDigitalSignature = 1,
    SharedKeyMessageIntegrityCode = 2,
    DssDigitalSignature = 3,
    EcdsaSha256P256 = 9,   // RFC 4754
    EcdsaSha384P384 = 10,  // RFC 4754
    EcdsaSha512P521 = 11,  // RFC 4754
    GenericSecurePassword = 12, // RFC 6467
    NullAuthentication = 13,    // RFC 7619
    DigitalSignature = 14,      // RFC 7427
}

/// <summary>Certificate encodings in CERT and CERTREQ (RFC 7296 §3.6).</summary>
public enum CertificateEncoding : byte
{
    Pkcs7WrappedX509 = 1,
    PgpCertificate = 2,
    DnsSignedKey = 3,
    X509Signature = 4,
    KerberosToken = 6,
    CertificateRevocationList = 7,
    AuthorityRevocationList = 8,
    SpkiCertificate = 9,
    X509Attribute = 10,
    RawRsaKey = 11,       // deprecated by RFC 7296
    HashAndUrlX509Certificate = 12,
    HashAndUrlX509Bundle = 13,
    RawPublicKey = 15,    // RFC 7670
}

/// <summary>Traffic selector types (RFC 7296 §3.13.1; RFC 9478 §2 for TS_SECLABEL).</summary>
public enum TrafficSelectorType : byte
{
    Ipv4AddressRange = 7,
    Ipv6AddressRange = 8,
    SecurityLabel = 10,  // TS_SECLABEL, RFC 9478 §2
}

/// <summary>Configuration payload types (RFC 7296 §3.15).</summary>
public enum ConfigurationType : byte
{
    Request = 1,
    Reply = 2,
    Set = 3,
    Ack = 4,
}

/// <summary>Hash algorithms of the SIGNATURE_HASH_ALGORITHMS notify (RFC 7427 §4, IANA "IKEv2 Hash Algorithms").</summary>
public enum SignatureHashAlgorithm : ushort
{
    Sha1 = 1,
    Sha256 = 2,
    Sha384 = 3,
    Sha512 = 4,
    Identity = 5, // RFC 8420
}
