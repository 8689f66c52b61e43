namespace Overlay.Ike;

/// <summary>Transform types (RFC 7296 §3.3.2; IANA "Transform Type Values").</summary>
public enum TransformType : byte
{
    Encryption = 1,        // ENCR
    Prf = 2,               // PRF
    Integrity = 3,         // INTEG
    KeyExchange = 4,       // D-H group / KE method (RFC 9370 renames it)
    ExtendedSequenceNumbers = 5, // ESN
}

/// <summary>Encryption transform IDs (RFC 7296 §3.3.2; IANA).</summary>
public enum EncryptionAlgorithm : ushort
{
    TripleDes = 3,         // RFC 2451
    Null = 11,             // RFC 2410
    AesCbc = 12,           // RFC 3602
    AesCtr = 13,           // RFC 3686
    AesCcm8 = 14,          // RFC 4309
    AesCcm12 = 15,
    AesCcm16 = 16,
    AesGcm8 = 18,          // RFC 4106 / RFC 5282
    AesGcm12 = 19,
    AesGcm16 = 20,
    NullAuthAesGmac = 21,  // RFC 4543
    ChaCha20Poly1305 = 28, // RFC 7634
}

/// <summary>Pseudorandom function transform IDs (RFC 7296 §3.3.2; RFC 4868 for SHA-2).</summary>
public enum PrfAlgorithm : ushort
{
    HmacMd5 = 1,
    HmacSha1 = 2,
    AesXcbc = 4,        // RFC 4434
    HmacSha2_256 = 5,   // RFC 4868
    HmacSha2_384 = 6,   // RFC 4868
    HmacSha2_512 = 7,   // RFC 4868
    AesCmac = 8,        // RFC 4615
}

/// <summary>Integrity transform IDs (RFC 7296 §3.3.2; RFC 4868 for SHA-2).</summary>
public enum IntegrityAlgorithm : ushort
{
    None = 0,
    HmacMd5_96 = 1,
    HmacSha1_96 = 2,
    AesXcbc96 = 5,
    HmacSha2_256_128 = 12,  // RFC 4868
    HmacSha2_384_192 = 13,  // RFC 4868
    HmacSha2_512_256 = 14,  // RFC 4868
}

/// <summary>Key exchange methods / Diffie-Hellman groups (RFC 7296 §3.3.2; IANA).</summary>
public enum KeyExchangeMethod : ushort
{
    None = 0,
    Modp1024 = 2,       // RFC 7296 Appendix B.2
    Modp2048 = 14,      // RFC 3526 §3
    Modp3072 = 15,      // RFC 3526 §4
    Modp4096 = 16,      // RFC 3526 §5
    Ecp256 = 19,        // RFC 5903 §3.1
    Ecp384 = 20,        // RFC 5903 §3.2
    Ecp521 = 21,        // RFC 5903 §3.3
    Curve25519 = 31,    // RFC 8031 §2
    Curve448 = 32,      // RFC 8031 §2
}

/// <summary>Extended Sequence Numbers transform IDs (RFC 7296 §3.3.2).</summary>
public enum EsnValue : ushort
{
    NoEsn = 0,
    Esn = 1,
}

/// <summary>Transform attribute types (RFC 7296 §3.3.5).</summary>
public enum TransformAttributeType : ushort
{
    KeyLength = 14,  // TV format, value in bits
}
