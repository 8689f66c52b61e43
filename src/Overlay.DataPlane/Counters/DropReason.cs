namespace Overlay.DataPlane.Counters;

/// <summary>Why the data plane discarded a packet or frame. Every drop is counted under exactly one reason.</summary>
public enum DropReason
{
    /// <summary>Not a drop; the zero value so that <c>default</c> means "delivered".</summary>
    None = 0,

    /// <summary>Shorter than the smallest valid unit (Ethernet header, ESP header, UDP marker).</summary>
    Runt,

    /// <summary>An ESP packet too short to hold header, IV, trailer and ICV.</summary>
    Truncated,

    /// <summary>Lengths inconsistent with the format (e.g. ciphertext not 4-byte aligned).</summary>
    Malformed,

    /// <summary>No inbound SA has this SPI, or the packet reached the wrong SA.</summary>
    UnknownSpi,

    /// <summary>Sequence number already seen or older than the anti-replay window.</summary>
    Replay,

    /// <summary>The AES-GCM ICV did not verify.</summary>
    AuthFailed,

    /// <summary>Pad length beyond the payload or pad bytes not 1, 2, 3, ... (RFC 4303 §2.4).</summary>
    BadPadding,

    /// <summary>Next header not allowed for the SA's inner mode.</summary>
    BadNextHeader,

    /// <summary>EtherIP header with a version other than 3 (RFC 3378 §3).</summary>
    BadEtherIpHeader,

    /// <summary>802.1Q VID different from the TVD the SA or port is bound to.</summary>
    ForeignTag,

    /// <summary>A frame that should carry the TVD's 802.1Q tag but has none.</summary>
    Untagged,

    /// <summary>Larger than the MTU allows.</summary>
    Oversized,

    /// <summary>The SA passed its hard lifetime or sequence limit and refuses traffic.</summary>
    SaExpired,

    /// <summary>A new MAC address was not learned because the TVD's table is full.</summary>
    MacTableFull,

    /// <summary>Source MAC is a group address, which no station may use (IEEE 802.3 §3.2.3).</summary>
    InvalidSourceMac,

    /// <summary>The ingress port or peer is not attached to the switch.</summary>
    UnknownPort,

    /// <summary>The caller's output buffer cannot hold the result.</summary>
    BufferTooSmall,

    /// <summary>The switch chose a tunnel whose (peer, TVD) has no usable outbound SA.</summary>
    NoOutboundSa,

    /// <summary>The kernel refused to send (interface down, no buffer space, no route).</summary>
    SendFailed,

    /// <summary>An IKE message arrived on the ESP port but no IKE handler is installed.</summary>
    NoIkeHandler,

    /// <summary>A loop caught an unexpected exception while handling a batch (a bug; logged once per batch).</summary>
    InternalError,

    /// <summary>The inbound SA's (peer, TVD) has no tunnel attached to the switch.</summary>
    UnknownTunnel,

    /// <summary>
    /// Inner mode ip: a guest packet whose source the tunnel's local selector does not cover, or a
    /// decrypted packet whose addresses are outside the negotiated selectors (RFC 4301 §5.2).
    /// </summary>
    SelectorMismatch,

    /// <summary>
    /// A statically keyed outbound SA reached the end of its durably reserved sequence numbers before the next
    /// block was on disk: the packet is dropped rather than sent with a number a restart could reuse
    /// (<c>Sequence/SequenceReserver</c>).
    /// </summary>
    SequenceNotReserved,
}
