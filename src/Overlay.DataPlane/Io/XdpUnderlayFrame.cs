using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Overlay.DataPlane.Io;

/// <summary>What <see cref="XdpUnderlayFrame.Parse"/> found in a frame from the underlay's AF_XDP socket.</summary>
public enum XdpUnderlayFrameResult
{
    /// <summary>An IPv4 UDP datagram to our address and port: the payload is handed to the loop.</summary>
    Accepted,

    /// <summary>Too short, not IPv4/UDP, IP options, a fragment, lengths that disagree, or not to our address:port.</summary>
    Malformed,

    /// <summary>The IPv4 header checksum does not verify.</summary>
    BadChecksum,
}

/// <summary>
/// The Ethernet/IPv4/UDP framing of the AF_XDP underlay (RFC 791, RFC 768, RFC 3948). Receive: the frame
/// is checked as the kernel's IPv4 input would (version 4, IHL 5, header checksum, total length within the
/// frame, no fragment, protocol UDP, UDP length within the IP payload, our address and port); the UDP
/// checksum is not verified — on veth and with checksum offload the sender's kernel leaves it partial, ESP's
/// ICV authenticates every ESP packet, and IKE authenticates its messages itself. Send: a header template
/// per next hop (MACs, addresses, TTL 64, DF clear as the kernel socket's IP_PMTUDISC_DONT) completed per
/// datagram with the lengths, the IP ID and the header checksum; the UDP checksum is 0, as RFC 3948 §3.1
/// says ESP-in-UDP should be sent. Pure functions over spans: no allocation.
/// </summary>
public static class XdpUnderlayFrame
{
    public const int EthernetLength = 14;
    public const int Ipv4Length = 20;
    public const int UdpLength = 8;
    public const int HeadersLength = EthernetLength + Ipv4Length + UdpLength;

    private const int Ip = EthernetLength;
    private const int Udp = EthernetLength + Ipv4Length;

    /// <param name="frame">The frame's first bytes (at least the headers, when it is ours).</param>
    /// <param name="frameLength">The whole frame's length (several descriptors for a jumbo frame).</param>
    /// <param name="local">Our underlay endpoint; address 0 accepts any destination address.</param>
    /// <param name="payloadLength">The UDP payload's length (it starts at <see cref="HeadersLength"/>).</param>
    /// <param name="source">The sender's address and port.</param>
    public static XdpUnderlayFrameResult Parse(ReadOnlySpan<byte> frame, int frameLength, UdpAddress local, out int payloadLength, out UdpAddress source)
    {
        payloadLength = 0;
        source = default;
        if (frame.Length < HeadersLength || frameLength < frame.Length
            || BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != 0x0800 || frame[Ip] != 0x45 || frame[Ip + 9] != 17
            || (BinaryPrimitives.ReadUInt16BigEndian(frame[(Ip + 6)..]) & 0x3fff) != 0)
        {
            return XdpUnderlayFrameResult.Malformed;
        }

        int ipLength = BinaryPrimitives.ReadUInt16BigEndian(frame[(Ip + 2)..]);
        int udpLength = BinaryPrimitives.ReadUInt16BigEndian(frame[(Udp + 4)..]);
        uint destination = MemoryMarshal.Read<uint>(frame[(Ip + 16)..]);
        ushort port = BinaryPrimitives.ReadUInt16BigEndian(frame[(Udp + 2)..]);

        // Ethernet may pad a short frame: the IP total length, not the frame's, bounds the datagram.
        if (ipLength < Ipv4Length + UdpLength || ipLength > frameLength - EthernetLength
            || udpLength < UdpLength || udpLength > ipLength - Ipv4Length
            || (local.AddressNetworkOrder != 0 && destination != local.AddressNetworkOrder) || port != local.Port)
        {
            return XdpUnderlayFrameResult.Malformed;
        }

        if (HeaderSum(frame.Slice(Ip, Ipv4Length), 0) != 0xffff)
        {
            return XdpUnderlayFrameResult.BadChecksum;
        }

        payloadLength = udpLength - UdpLength;
        source = new UdpAddress(MemoryMarshal.Read<uint>(frame[(Ip + 12)..]), BinaryPrimitives.ReadUInt16BigEndian(frame[Udp..]));
        return XdpUnderlayFrameResult.Accepted;
    }

    /// <summary>
    /// Writes the 42-byte header template of one next hop: Ethernet (<paramref name="destinationMac"/> ←
    /// <paramref name="sourceMac"/>, IPv4), IPv4 (TTL 64, UDP, the addresses; lengths, ID and checksum 0) and
    /// UDP (the source port; destination port, length and checksum 0).
    /// </summary>
    public static void WriteTemplate(Span<byte> template, ReadOnlySpan<byte> destinationMac, ReadOnlySpan<byte> sourceMac, UdpAddress source, uint destinationNetworkOrder)
    {
        template[..HeadersLength].Clear();
        destinationMac[..6].CopyTo(template);
        sourceMac[..6].CopyTo(template[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(template[12..], 0x0800);
        template[Ip] = 0x45;
        template[Ip + 8] = 64;
        template[Ip + 9] = 17;
        MemoryMarshal.Write(template[(Ip + 12)..], source.AddressNetworkOrder);
        MemoryMarshal.Write(template[(Ip + 16)..], destinationNetworkOrder);
        BinaryPrimitives.WriteUInt16BigEndian(template[Udp..], source.Port);
    }

    /// <summary>The ones'-complement sum of a template's IPv4 header (every field that is the same for each datagram).</summary>
    public static uint TemplateSum(ReadOnlySpan<byte> template) => Sum(template.Slice(Ip, Ipv4Length), 0);

    /// <summary>
    /// Completes a copy of the template in <paramref name="frame"/> for a payload of
    /// <paramref name="payloadLength"/> bytes to <paramref name="destinationPort"/> with IP ID <paramref name="id"/>.
    /// </summary>
    public static void Complete(Span<byte> frame, uint templateSum, int payloadLength, ushort destinationPort, ushort id)
    {
        ushort ipLength = (ushort)(Ipv4Length + UdpLength + payloadLength);
        BinaryPrimitives.WriteUInt16BigEndian(frame[(Ip + 2)..], ipLength);
        BinaryPrimitives.WriteUInt16BigEndian(frame[(Ip + 4)..], id);
        uint sum = templateSum + ipLength + id;
        sum = (sum & 0xffff) + (sum >> 16);
        sum = (sum & 0xffff) + (sum >> 16);
        BinaryPrimitives.WriteUInt16BigEndian(frame[(Ip + 10)..], (ushort)~sum);
        BinaryPrimitives.WriteUInt16BigEndian(frame[(Udp + 2)..], destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(frame[(Udp + 4)..], (ushort)(UdpLength + payloadLength));
    }

    /// <summary>The folded ones'-complement sum of an IPv4 header (0xffff when its checksum verifies).</summary>
    private static uint HeaderSum(ReadOnlySpan<byte> header, uint initial)
    {
        uint sum = Sum(header, initial);
        sum = (sum & 0xffff) + (sum >> 16);
        return (sum & 0xffff) + (sum >> 16);
    }

    private static uint Sum(ReadOnlySpan<byte> data, uint sum)
    {
        for (int i = 0; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }

        return sum;
    }
}
