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
/// Port 4500 carries ESP and IKE at once, RFC 3948 §2. This is the tree's one classifier of it (the
/// data plane owns the socket; IKE gets its messages without the marker and hands its own over to be
/// marked here):
/// <code>
/// ESP:      | SPI (non-zero, 4) | Sequence (4) | ...          RFC 3948 §2.1
/// IKE:      | 0x00000000 (non-ESP marker, 4) | IKE header ... RFC 3948 §2.2
/// keepalive:| 0xFF |                                          RFC 3948 §2.3
/// </code>
/// </summary>
public static class UdpEncapsulation
{
    /// <summary>ESP-in-UDP and IKE share this port, RFC 3948 §2 / RFC 7296 §2.23.</summary>
    public const int Port = 4500;

    /// <summary>Four zero bytes in front of an IKE message on port 4500, RFC 3948 §2.2.</summary>
    public const int NonEspMarkerLength = 4;

    /// <summary>A NAT-keepalive is one byte 0xFF, RFC 3948 §2.3.</summary>
    public const byte NatKeepaliveOctet = 0xFF;

    /// <summary>The least an ESP packet holds: SPI and sequence number, RFC 4303 §2.</summary>
    public const int MinEspLength = 8;

    public static UdpPayloadKind Classify(ReadOnlySpan<byte> udpPayload)
    {
        if (udpPayload.Length == 1 && udpPayload[0] == NatKeepaliveOctet)
        {
            return UdpPayloadKind.NatKeepalive;
        }

        if (udpPayload.Length < NonEspMarkerLength)
        {
            return UdpPayloadKind.Runt;
        }

        if (udpPayload[..NonEspMarkerLength].IndexOfAnyExcept((byte)0) < 0)
        {
            return UdpPayloadKind.Ike;
        }

        return udpPayload.Length < MinEspLength ? UdpPayloadKind.Runt : UdpPayloadKind.Esp;
    }

    /// <summary>Writes the non-ESP marker and then <paramref name="ikeMessage"/>; returns the octets written.</summary>
    public static int WriteIke(ReadOnlySpan<byte> ikeMessage, Span<byte> destination)
    {
        destination[..NonEspMarkerLength].Clear();
        ikeMessage.CopyTo(destination[NonEspMarkerLength..]);
        return NonEspMarkerLength + ikeMessage.Length;
    }
}
