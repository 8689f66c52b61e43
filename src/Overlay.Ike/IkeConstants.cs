namespace Overlay.Ike;

/// <summary>
/// Fixed numbers from the IKEv2 RFCs: sizes, limits, versions. Tunables (timeouts, retransmit
/// counts) are not here; they come from the daemon's options. Enumerated code points (payload
/// types, notify types, transforms) live beside this file in the IkeConstants.*.cs files.
/// </summary>
public static class IkeConstants
{
    /// <summary>IKE header length (RFC 7296 §3.1).</summary>
    public const int HeaderLength = 28;

    /// <summary>Generic payload header length (RFC 7296 §3.2).</summary>
    public const int GenericPayloadHeaderLength = 4;

    /// <summary>Major version 2, minor version 0, packed as on the wire (RFC 7296 §3.1).</summary>
    public const byte Version = 0x20;

    /// <summary>IKE SPI length (RFC 7296 §3.1).</summary>
    public const int IkeSpiLength = 8;

    /// <summary>ESP/AH SPI length in proposals, notifies and deletes (RFC 7296 §3.3.1).</summary>
    public const int ChildSpiLength = 4;

    /// <summary>Nonce data must be at least 16 octets (RFC 7296 §3.9).</summary>
    public const int NonceMinLength = 16;

    /// <summary>Nonce data must be at most 256 octets (RFC 7296 §3.9).</summary>
    public const int NonceMaxLength = 256;

    /// <summary>Notify types below this value are errors (RFC 7296 §3.10.1).</summary>
    public const int FirstStatusNotifyType = 16384;

    /// <summary>prf+ can produce at most 255 blocks: the counter is one octet (RFC 7296 §2.13).</summary>
    public const int PrfPlusMaxIterations = 255;

    /// <summary>The key pad mixed into the PSK before AUTH computation (RFC 7296 §2.15).</summary>
    public const string KeyPadForIkev2 = "Key Pad for IKEv2";

    /// <summary>UDP port for IKE (RFC 7296 §2).</summary>
    public const int IkePort = 500;

    /// <summary>UDP port for NAT traversal; IKE there is prefixed by the non-ESP marker (RFC 3948 §2.2, RFC 7296 §2.23).</summary>
    public const int NatTraversalPort = 4500;

    /// <summary>
    /// The non-ESP marker is four zero octets (RFC 3948 §2.2). IKE never sees it (the owner of port 4500
    /// adds and strips it, <see cref="Net.INatTraversalPort"/>), but it counts against the path MTU.
    /// </summary>
    public const int NonEspMarkerLength = 4;

    /// <summary>The SK payload's IV for AES-CBC is one cipher block (RFC 7296 §3.14, RFC 3602).</summary>
    public const int AesCbcIvLength = 16;

    /// <summary>AES-GCM explicit IV is 8 octets (RFC 5282 §3.1).</summary>
    public const int AesGcmIvLength = 8;

    /// <summary>AES-GCM salt taken from the keying material is 4 octets (RFC 5282 §7.1).</summary>
    public const int AesGcmSaltLength = 4;

    /// <summary>ICV length of ENCR_AES_GCM_16 (RFC 5282 §3).</summary>
    public const int AesGcm16IcvLength = 16;

    /// <summary>SKF payload's Fragment Number and Total Fragments fields (RFC 7383 §2.5).</summary>
    public const int FragmentHeaderLength = 4;

    /// <summary>Default bound on Total Fragments accepted from a peer; RFC 7383 §2.6 leaves it to the implementation.</summary>
    public const int MaxFragments = 64;

    /// <summary>
    /// The most Total Fragments any SA may be configured to accept or send (attested IKE carries evidence of up to a
    /// few MB in IKE_AUTH); an SKF payload naming more is malformed whatever the SA allows.
    /// </summary>
    public const int MaxFragmentsCeiling = 4096;

    /// <summary>Largest IKE message we parse: the header's length field is 32 bits but a UDP datagram carries at most this.</summary>
    public const int MaxMessageLength = 65535;

    /// <summary>Transform attribute format bit: set = TV (2-octet value), clear = TLV (RFC 7296 §3.3.5).</summary>
    public const ushort AttributeFormatTv = 0x8000;

    /// <summary>Generic payload header critical bit (RFC 7296 §3.2).</summary>
    public const byte CriticalBit = 0x80;
}
