namespace Overlay.Ike.Encoding.Messages;

/// <summary>What a UDP datagram on the NAT-T port (4500) carries (RFC 3948 §2, RFC 7296 §2.23).</summary>
public enum UdpEncapsulatedKind
{
    /// <summary>IKE: the four-octet non-ESP marker (zeros) followed by an IKE message.</summary>
    Ike,

    /// <summary>ESP in UDP: the first four octets are a non-zero SPI.</summary>
    Esp,

    /// <summary>A NAT-keepalive: the single octet 0xFF (RFC 3948 §2.3).</summary>
    Keepalive,

    /// <summary>Too short to be any of the above.</summary>
    Malformed,
}

/// <summary>
/// The non-ESP marker: IKE messages sent to or from port 4500 are prefixed by four zero octets
/// so receivers can tell them from ESP, whose SPI is never zero (RFC 3948 §2.2).
/// </summary>
public static class NonEspMarker
{
    /// <summary>Classifies a port-4500 datagram; for IKE, <paramref name="ike"/> is the message without the marker.</summary>
    public static UdpEncapsulatedKind Classify(ReadOnlySpan<byte> udpPayload, out ReadOnlySpan<byte> ike)
    {
        ike = default;
        if (udpPayload.Length == 1 && udpPayload[0] == IkeConstants.NatKeepaliveOctet)
        {
            return UdpEncapsulatedKind.Keepalive;
        }

        if (udpPayload.Length < IkeConstants.NonEspMarkerLength)
        {
            return UdpEncapsulatedKind.Malformed;
        }

        if (udpPayload[..IkeConstants.NonEspMarkerLength].ContainsAnyExcept((byte)0))
        {
            return UdpEncapsulatedKind.Esp;
        }

        ike = udpPayload[IkeConstants.NonEspMarkerLength..];
        return ike.Length >= IkeConstants.HeaderLength ? UdpEncapsulatedKind.Ike : UdpEncapsulatedKind.Malformed;
    }

    /// <summary>Writes the marker and then <paramref name="ike"/>; returns the octets written.</summary>
    public static int Prepend(ReadOnlySpan<byte> ike, Span<byte> destination)
    {
        destination[..IkeConstants.NonEspMarkerLength].Clear();
        ike.CopyTo(destination[IkeConstants.NonEspMarkerLength..]);
        return IkeConstants.NonEspMarkerLength + ike.Length;
    }
}
