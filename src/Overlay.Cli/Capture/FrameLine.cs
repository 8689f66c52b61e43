using System.Globalization;
using System.Text;
using PacketDotNet;

namespace Overlay.Cli.Capture;

/// <summary>Where a captured frame entered or went: a guest port on this host, or the tunnel to a peer host.</summary>
internal readonly record struct CaptureEndpoint(string Kind, string Name)
{
    /// <summary>A port by its bare name, a tunnel as <c>peer NAME</c>.</summary>
    public override string ToString() => Kind == "peer" ? $"peer {Name}" : Name;
}

/// <summary>
/// One line per captured frame, as an operator reads it:
/// <c>12:00:01.123 red h1red → peer h2  IPv4 10.101.0.11 > 10.101.0.21 ICMP echo request id 7 seq 3</c>.
/// The frame is decoded with PacketDotNet; what it cannot decode (a frame cut by the snap length, an unknown
/// EtherType) still gets a line naming its EtherType and length.
/// </summary>
internal static class FrameLine
{
    public static string Format(DateTimeOffset time, string tvd, CaptureEndpoint from, CaptureEndpoint to, int targets,
        byte[] frame, int originalLength)
    {
        string destination = targets > 1 ? $"{to} +{targets - 1}" : to.ToString();
        return string.Create(CultureInfo.InvariantCulture,
            $"{time:HH:mm:ss.fff} {ShortTvd(tvd)} {from} → {destination}  {Describe(frame, originalLength)}");
    }

    /// <summary>"tvd:red" → "red".</summary>
    public static string ShortTvd(string tvd) => tvd.StartsWith("tvd:", StringComparison.Ordinal) ? tvd[4..] : tvd;

    /// <summary>The protocol part of the line: what the frame carries, innermost last.</summary>
    public static string Describe(byte[] frame, int originalLength)
    {
        string truncated = frame.Length < originalLength ? $" [{frame.Length} of {originalLength} octets captured]" : "";
        if (frame.Length < 14)
        {
            return $"runt frame, {frame.Length} octets";
        }

        try
        {
            if (Packet.ParsePacket(LinkLayers.Ethernet, frame) is not EthernetPacket ethernet)
            {
                return $"not Ethernet, {originalLength} octets{truncated}";
            }

            return Network(ethernet, originalLength) + truncated;
        }
        catch (Exception e) when (e is not OutOfMemoryException) // a decoder of untrusted octets: any failure is a line, never a crash
        {
            return $"ethertype 0x{(frame[12] << 8) | frame[13]:x4}, {originalLength} octets (undecodable: {e.GetType().Name}){truncated}";
        }
    }

    private static string Network(EthernetPacket ethernet, int originalLength)
    {
        switch (ethernet.PayloadPacket)
        {
            case ArpPacket arp:
                return arp.Operation == ArpOperation.Request
                    ? $"ARP who-has {arp.TargetProtocolAddress} tell {arp.SenderProtocolAddress}"
                    : $"ARP {arp.Operation.ToString().ToLowerInvariant()} {arp.SenderProtocolAddress} is-at {Mac(arp.SenderHardwareAddress.GetAddressBytes())}";
            case IPv4Packet ip:
                return $"IPv4 {Transport(ip, ip.PayloadPacket)}";
            case IPv6Packet ip:
                return $"IPv6 {Transport(ip, ip.PayloadPacket)}";
            default:
                return $"{Mac(ethernet.SourceHardwareAddress.GetAddressBytes())} > {Mac(ethernet.DestinationHardwareAddress.GetAddressBytes())} " +
                    $"ethertype 0x{(ushort)ethernet.Type:x4} ({ethernet.Type}), {originalLength} octets";
        }
    }

    private static string Transport(IPPacket ip, Packet? payload) => payload switch
    {
        TcpPacket tcp => $"{ip.SourceAddress}.{tcp.SourcePort} > {ip.DestinationAddress}.{tcp.DestinationPort} TCP [{TcpFlags(tcp)}] " +
            $"seq {tcp.SequenceNumber} ack {tcp.AcknowledgmentNumber} win {tcp.WindowSize} len {tcp.PayloadData?.Length ?? 0}",
        UdpPacket udp => $"{ip.SourceAddress}.{udp.SourcePort} > {ip.DestinationAddress}.{udp.DestinationPort} UDP len {udp.PayloadData?.Length ?? 0}",
        IcmpV4Packet icmp => $"{ip.SourceAddress} > {ip.DestinationAddress} ICMP {IcmpV4(icmp)}",
        IcmpV6Packet icmp => $"{ip.SourceAddress} > {ip.DestinationAddress} ICMPv6 {Words(icmp.Type.ToString())}",
        _ => $"{ip.SourceAddress} > {ip.DestinationAddress} protocol {ip.Protocol} len {ip.PayloadLength}",
    };

    private static string IcmpV4(IcmpV4Packet icmp) => icmp.TypeCode switch
    {
        IcmpV4TypeCode.EchoRequest => $"echo request id {icmp.Id} seq {icmp.Sequence}",
        IcmpV4TypeCode.EchoReply => $"echo reply id {icmp.Id} seq {icmp.Sequence}",
        _ => Words(icmp.TypeCode.ToString()),
    };

    /// <summary>tcpdump's flag letters: S F P R . (ACK) U E W.</summary>
    private static string TcpFlags(TcpPacket tcp)
    {
        var flags = new StringBuilder(8);
        if (tcp.Synchronize)
        {
            flags.Append('S');
        }

        if (tcp.Finished)
        {
            flags.Append('F');
        }

        if (tcp.Push)
        {
            flags.Append('P');
        }

        if (tcp.Reset)
        {
            flags.Append('R');
        }

        if (tcp.Urgent)
        {
            flags.Append('U');
        }

        if (tcp.ExplicitCongestionNotificationEcho)
        {
            flags.Append('E');
        }

        if (tcp.CongestionWindowReduced)
        {
            flags.Append('W');
        }

        if (tcp.Acknowledgment)
        {
            flags.Append('.');
        }

        return flags.ToString();
    }

    /// <summary>"UnreachablePort" → "unreachable port".</summary>
    private static string Words(string name)
    {
        var words = new StringBuilder(name.Length + 8);
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                words.Append(' ');
            }

            words.Append(char.ToLowerInvariant(name[i]));
        }

        return words.ToString();
    }

    private static string Mac(byte[] address) => string.Join(':', address.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
}
