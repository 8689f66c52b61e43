using Overlay.DataPlane.Counters;

namespace Overlay.DataPlane.Esp;

/// <summary>
/// Tunnel-mode ESP as standard IPsec peers speak it (RFC 4303 §3.1.2): the inner IPv4 or IPv6 packet
/// straight inside ESP with next header 4 or 41, no Ethernet header and no TVD tag (the TVD is the
/// CHILD_SA's label). Like <see cref="EtherIpTunnel"/>, it works inside one packet buffer and
/// counts every failure on the SA.
/// </summary>
public static class IpTunnel
{
    /// <summary>4 for an IPv4 packet, 41 for IPv6, 0 for anything else.</summary>
    public static byte NextHeaderOf(ReadOnlySpan<byte> ipPacket)
    {
        if (ipPacket.Length >= 20 && ipPacket[0] >> 4 == 4)
        {
            return EspConstants.NextHeaderIPv4;
        }

        return ipPacket.Length >= 40 && ipPacket[0] >> 4 == 6 ? EspConstants.NextHeaderIPv6 : (byte)0;
    }

    /// <summary>Seals <paramref name="ipPacket"/> into <paramref name="packet"/> with the SA (inner mode ip, outbound).</summary>
    public static DropReason Encapsulate(EspSa sa, ReadOnlySpan<byte> ipPacket, Span<byte> packet, out int written)
    {
        written = 0;
        if (sa.Direction != SaDirection.Outbound || sa.InnerMode != InnerMode.Ip)
        {
            return DropReason.BadNextHeader; // a caller bug: this SA does not carry plain IP outbound
        }

        byte nextHeader = NextHeaderOf(ipPacket);
        if (nextHeader == 0)
        {
            return Count(sa, DropReason.Malformed);
        }

        if (packet.Length < EspSa.GetSealedLength(ipPacket.Length) || packet.Overlaps(ipPacket))
        {
            return Count(sa, DropReason.BufferTooSmall);
        }

        return sa.Seal(ipPacket, nextHeader, packet, out written).ToDropReason();
    }

    /// <summary>
    /// Opens <paramref name="packet"/> in place; the inner IP packet starts at offset 16 of it, so the
    /// caller has 16 bytes of headroom for an Ethernet header. An authenticated dummy packet (next
    /// header 59) returns <see cref="DropReason.None"/> with an empty packet.
    /// </summary>
    public static DropReason Decapsulate(EspSa sa, Span<byte> packet, out Span<byte> ipPacket)
    {
        ipPacket = default;
        if (sa.InnerMode != InnerMode.Ip)
        {
            return DropReason.BadNextHeader;
        }

        Span<byte> plaintext = packet.Length > EspConstants.PayloadOffset ? packet[EspConstants.PayloadOffset..] : default;
        EspOpenResult opened = sa.TryOpen(packet, plaintext, out int innerLength, out byte nextHeader);
        if (opened != EspOpenResult.Ok)
        {
            return opened.ToDropReason();
        }

        Span<byte> inner = plaintext[..innerLength];
        if (NextHeaderOf(inner) != nextHeader)
        {
            return Count(sa, DropReason.Malformed); // next header says IPv4 but the packet is not (or too short)
        }

        ipPacket = inner;
        return DropReason.None;
    }

    private static DropReason Count(EspSa sa, DropReason reason)
    {
        sa.Drops.Increment(reason);
        return reason;
    }
}
