using Overlay.DataPlane.Esp;

namespace Overlay.DataPlane.Frames;

/// <summary>What arrived in a UDP datagram on port 4500.</summary>
public enum UdpPayloadKind
{
    /// <summary>An ESP packet (first 4 bytes are a non-zero SPI).</summary>
    Esp,

    /// <summary>An IKE message behind the 4-byte non-ESP marker; hand <c>payload[4..]</c> to IKE.</summary>
    Ike,

    /// <summary>A NAT-keepalive (one byte 0xFF); discard.</summary>
    NatKeepalive,

    /// <summary>Too short to be any of the above.</summary>
    Runt,
}

/// <summary>
/// Demultiplexes port 4500, RFC 3948 §2:
/// <code>
/// ESP:      | SPI (non-zero, 4) | Sequence (4) | ...          RFC 3948 §2.1
/// IKE:      | 0x00000000 (non-ESP marker, 4) | IKE header ... RFC 3948 §2.2
/// keepalive:| 0xFF |                                          RFC 3948 §2.3
/// </code>
/// </summary>
public static class UdpEncapsulation
{
    public static UdpPayloadKind Classify(ReadOnlySpan<byte> udpPayload)
    {
        if (udpPayload.Length == 1 && udpPayload[0] == EspConstants.NatKeepaliveByte)
        {
            return UdpPayloadKind.NatKeepalive;
        }

        if (udpPayload.Length < EspConstants.NonEspMarkerSize)
        {
            return UdpPayloadKind.Runt;
        }

        if (udpPayload[..EspConstants.NonEspMarkerSize].IndexOfAnyExcept((byte)0) < 0)
        {
            return UdpPayloadKind.Ike;
        }

        return udpPayload.Length < EspConstants.HeaderSize ? UdpPayloadKind.Runt : UdpPayloadKind.Esp;
    }
}
