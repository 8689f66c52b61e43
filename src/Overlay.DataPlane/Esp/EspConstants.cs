using Overlay.DataPlane.Replay;

namespace Overlay.DataPlane.Esp;

/// <summary>
/// Wire values of ESP (RFC 4303), AES-GCM for ESP (RFC 4106) and UDP encapsulation (RFC 3948).
/// Only protocol facts live here; tunables (lifetimes, window size) come from the SA descriptor.
/// </summary>
public static class EspConstants
{
    /// <summary>SPI field, RFC 4303 §2.1.</summary>
    public const int SpiSize = 4;

    /// <summary>Sequence Number field (low 32 bits on the wire), RFC 4303 §2.2.</summary>
    public const int SequenceSize = 4;

    /// <summary>SPI + Sequence Number, RFC 4303 §2 (Figure 1).</summary>
    public const int HeaderSize = SpiSize + SequenceSize;

    /// <summary>SPI values 1..255 are reserved by IANA, 0 is for local use only (RFC 4303 §2.1).</summary>
    public const uint MinAssignableSpi = 256;

    /// <summary>Explicit IV carried in every AES-GCM ESP packet, RFC 4106 §3.1.</summary>
    public const int GcmIvSize = 8;

    /// <summary>Salt taken from the end of the keying material, RFC 4106 §4 and §8.1.</summary>
    public const int GcmSaltSize = 4;

    /// <summary>Nonce = salt || explicit IV, RFC 4106 §4.</summary>
    public const int GcmNonceSize = GcmSaltSize + GcmIvSize;

    /// <summary>Our ICV length. RFC 4106 §6 allows 8, 12 and 16; we only use 16.</summary>
    public const int GcmIcvSize = 16;

    /// <summary>AAD without ESN: SPI || 32-bit sequence number, RFC 4106 §5 (Figure 3).</summary>
    public const int AadSize = 8;

    /// <summary>AAD with ESN: SPI || seq high 32 || seq low 32, RFC 4106 §5 (Figure 4).</summary>
    public const int AadSizeEsn = 12;

    /// <summary>Pad Length + Next Header, RFC 4303 §2.4 and §2.5.</summary>
    public const int TrailerSize = 2;

    /// <summary>The ciphertext (payload + padding + trailer) ends on a 4-byte boundary, RFC 4303 §2.4.</summary>
    public const int PayloadAlignment = 4;

    /// <summary>Bytes before the plaintext in a packet: header and explicit IV.</summary>
    public const int PayloadOffset = HeaderSize + GcmIvSize;

    /// <summary>Most bytes ESP adds to an inner payload: header, IV, up to 3 pad bytes, trailer, ICV.</summary>
    public const int MaxOverhead = PayloadOffset + (PayloadAlignment - 1) + TrailerSize + GcmIcvSize;

    /// <summary>Smallest well-formed AES-GCM ESP packet: header, IV, an empty payload's trailer, ICV.</summary>
    public const int MinPacketSize = PayloadOffset + TrailerSize + GcmIcvSize;

    /// <summary>Next Header values (IANA protocol numbers), RFC 4303 §2.6.</summary>
    public const byte NextHeaderIPv4 = 4;

    /// <summary>IPv6 in tunnel mode, RFC 4303 §2.6.</summary>
    public const byte NextHeaderIPv6 = 41;

    /// <summary>A dummy packet (traffic flow confidentiality) the receiver discards, RFC 4303 §2.6.</summary>
    public const byte NextHeaderNone = 59;

    /// <summary>EtherIP, RFC 3378 §3 (IANA protocol 97).</summary>
    public const byte NextHeaderEtherIp = 97;

    /// <summary>A 32-bit counter must not cycle: the SA is rekeyed before 2^32 - 1, RFC 4303 §3.3.3.</summary>
    public const ulong MaxSequence32 = uint.MaxValue;

    /// <summary>An ESN counter must not cycle either; 2^64 - 1 is never sent, RFC 4303 §3.3.3.</summary>
    public const ulong MaxSequence64 = ulong.MaxValue - 1;

    /// <summary>The anti-replay window's bounds (packets): <see cref="Replay.ReplayWindow"/> owns them.</summary>
    public const int MinReplayWindow = Replay.ReplayWindow.MinSize;

    /// <summary>Upper bound on the window we allocate (bits).</summary>
    public const int MaxReplayWindow = Replay.ReplayWindow.MaxSize;
}
