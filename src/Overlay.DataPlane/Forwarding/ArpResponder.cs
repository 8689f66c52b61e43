using System.Buffers.Binary;
using Overlay.DataPlane.Frames;

namespace Overlay.DataPlane.Forwarding;

/// <summary>
/// Proxy ARP (RFC 1027) for the addresses behind IP-mode tunnels: a guest that has the remote prefix
/// on-link (<c>ip route add 10.13.2.0/24 dev eth0</c>) asks for each remote address, and the router
/// answers with <see cref="IpTunnelRouter.RouterMac"/>. Only Ethernet/IPv4 requests (RFC 826, 28-byte
/// body) are parsed; anything else is left to the switch. IPv6 neighbours behind a tunnel are answered by
/// <see cref="NdResponder"/>.
/// </summary>
public static class ArpResponder
{
    public const int FrameLength = EthernetFrame.HeaderLength + BodyLength;
    private const int BodyLength = 28;
    private const ushort HardwareEthernet = 1;
    private const ushort OpRequest = 1;
    private const ushort OpReply = 2;

    /// <summary>
    /// True for an ARP request for IPv4; gives the asker's MAC and address and the address asked for
    /// (slices of <paramref name="frame"/>).
    /// </summary>
    public static bool TryParseRequest(ReadOnlySpan<byte> frame, out MacAddress senderMac, out ReadOnlySpan<byte> senderIp, out ReadOnlySpan<byte> targetIp)
    {
        senderMac = default;
        senderIp = targetIp = default;
        if (frame.Length < FrameLength || EthernetFrame.EtherType(frame) != EthernetFrame.EtherTypeArp)
        {
            return false;
        }

        ReadOnlySpan<byte> arp = frame[EthernetFrame.HeaderLength..];
        if (BinaryPrimitives.ReadUInt16BigEndian(arp) != HardwareEthernet
            || BinaryPrimitives.ReadUInt16BigEndian(arp[2..]) != EthernetFrame.EtherTypeIPv4
            || arp[4] != MacAddress.Size || arp[5] != 4
            || BinaryPrimitives.ReadUInt16BigEndian(arp[6..]) != OpRequest)
        {
            return false;
        }

        senderMac = MacAddress.Read(arp[8..]);
        senderIp = arp.Slice(14, 4);
        targetIp = arp.Slice(24, 4);
        return true;
    }

    /// <summary>Writes the reply "<paramref name="targetIp"/> is at <paramref name="routerMac"/>" to the asker; returns its length.</summary>
    public static int WriteReply(Span<byte> reply, MacAddress routerMac, ReadOnlySpan<byte> targetIp, MacAddress askerMac, ReadOnlySpan<byte> askerIp)
    {
        askerMac.Write(reply);
        routerMac.Write(reply[EthernetFrame.SourceOffset..]);
        BinaryPrimitives.WriteUInt16BigEndian(reply[EthernetFrame.EtherTypeOffset..], EthernetFrame.EtherTypeArp);
        Span<byte> arp = reply[EthernetFrame.HeaderLength..];
        BinaryPrimitives.WriteUInt16BigEndian(arp, HardwareEthernet);
        BinaryPrimitives.WriteUInt16BigEndian(arp[2..], EthernetFrame.EtherTypeIPv4);
        arp[4] = MacAddress.Size;
        arp[5] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(arp[6..], OpReply);
        routerMac.Write(arp[8..]);
        targetIp.CopyTo(arp[14..]);
        askerMac.Write(arp[18..]);
        askerIp.CopyTo(arp[24..]);
        return FrameLength;
    }
}
