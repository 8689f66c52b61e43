using System.Buffers.Binary;
using System.Net;
using Overlay.Cli.Capture;

namespace Overlay.Cli.Tests.Capture;

/// <summary>The one-line rendering of captured frames, on frames built byte by byte here (not by the decoder under test).</summary>
public sealed class FrameLineTests
{
    private static readonly DateTimeOffset Noon = new(2026, 12, 6, 12, 0, 1, 123, TimeSpan.Zero);
    private static readonly CaptureEndpoint H1Red = new("port", "h1red");
    private static readonly CaptureEndpoint PeerH2 = new("peer", "h2");

    [Fact]
    public void An_ICMP_echo_request_from_a_port_to_a_peer()
    {
        byte[] frame = Ipv4("10.101.0.11", "10.101.0.21", 1, Icmp(type: 8, id: 7, sequence: 3));
        Assert.Equal("12:00:01.123 red h1red → peer h2  IPv4 10.101.0.11 > 10.101.0.21 ICMP echo request id 7 seq 3",
            FrameLine.Format(Noon, "tvd:red", H1Red, PeerH2, 1, frame, frame.Length));
    }

    [Fact]
    public void An_echo_reply_from_a_peer_and_a_flood_to_several_targets()
    {
        byte[] reply = Ipv4("10.101.0.21", "10.101.0.11", 1, Icmp(type: 0, id: 7, sequence: 3));
        Assert.Equal("12:00:01.123 red peer h2 → h1red  IPv4 10.101.0.21 > 10.101.0.11 ICMP echo reply id 7 seq 3",
            FrameLine.Format(Noon, "red", PeerH2, H1Red, 1, reply, reply.Length));
        Assert.StartsWith("12:00:01.123 red h1red → peer h2 +2  ",
            FrameLine.Format(Noon, "tvd:red", H1Red, PeerH2, 3, reply, reply.Length), StringComparison.Ordinal);
    }

    [Fact]
    public void TCP_with_ports_flags_sequence_and_payload_length()
    {
        byte[] tcp = new byte[20 + 5];
        BinaryPrimitives.WriteUInt16BigEndian(tcp, 40000);
        BinaryPrimitives.WriteUInt16BigEndian(tcp.AsSpan(2), 5201);
        BinaryPrimitives.WriteUInt32BigEndian(tcp.AsSpan(4), 1000);
        BinaryPrimitives.WriteUInt32BigEndian(tcp.AsSpan(8), 2000);
        tcp[12] = 5 << 4;
        tcp[13] = 0x18; // PSH, ACK
        BinaryPrimitives.WriteUInt16BigEndian(tcp.AsSpan(14), 512);
        byte[] frame = Ipv4("10.101.0.11", "10.101.0.21", 6, tcp);
        Assert.Equal("IPv4 10.101.0.11.40000 > 10.101.0.21.5201 TCP [P.] seq 1000 ack 2000 win 512 len 5",
            FrameLine.Describe(frame, frame.Length));
    }

    [Fact]
    public void UDP_with_ports_and_payload_length()
    {
        byte[] udp = new byte[8 + 12];
        BinaryPrimitives.WriteUInt16BigEndian(udp, 5353);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(2), 53);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(4), (ushort)udp.Length);
        byte[] frame = Ipv4("10.101.0.11", "10.101.0.1", 17, udp);
        Assert.Equal("IPv4 10.101.0.11.5353 > 10.101.0.1.53 UDP len 12", FrameLine.Describe(frame, frame.Length));
    }

    [Fact]
    public void An_ARP_request()
    {
        byte[] arp = new byte[28];
        BinaryPrimitives.WriteUInt16BigEndian(arp, 1); // Ethernet
        BinaryPrimitives.WriteUInt16BigEndian(arp.AsSpan(2), 0x0800);
        arp[4] = 6;
        arp[5] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(arp.AsSpan(6), 1); // request
        new byte[] { 2, 0, 0, 0, 0, 0x11 }.CopyTo(arp, 8);
        IPAddress.Parse("10.101.0.11").GetAddressBytes().CopyTo(arp, 14);
        IPAddress.Parse("10.101.0.21").GetAddressBytes().CopyTo(arp, 24);
        byte[] frame = Ethernet(0x0806, arp, broadcast: true);
        Assert.Equal("ARP who-has 10.101.0.21 tell 10.101.0.11", FrameLine.Describe(frame, frame.Length));
    }

    [Fact]
    public void A_frame_cut_by_the_snap_length_says_so_and_still_gets_a_line()
    {
        byte[] whole = Ipv4("10.101.0.11", "10.101.0.21", 1, Icmp(type: 8, id: 1, sequence: 1, payload: 1000));
        byte[] cut = whole[..64];
        string line = FrameLine.Describe(cut, whole.Length);
        Assert.EndsWith($"[64 of {whole.Length} octets captured]", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_ethertypes_and_runts_are_named_not_thrown()
    {
        byte[] unknown = Ethernet(0x88b5, new byte[46]);
        Assert.Contains("ethertype 0x88b5", FrameLine.Describe(unknown, unknown.Length), StringComparison.Ordinal);
        Assert.Equal("runt frame, 10 octets", FrameLine.Describe(new byte[10], 10));
    }

    private static byte[] Icmp(byte type, ushort id, ushort sequence, int payload = 8)
    {
        byte[] icmp = new byte[8 + payload];
        icmp[0] = type;
        BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(4), id);
        BinaryPrimitives.WriteUInt16BigEndian(icmp.AsSpan(6), sequence);
        return icmp;
    }

    private static byte[] Ipv4(string source, string destination, byte protocol, byte[] payload)
    {
        byte[] ip = new byte[20 + payload.Length];
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(2), (ushort)ip.Length);
        ip[8] = 64;
        ip[9] = protocol;
        IPAddress.Parse(source).GetAddressBytes().CopyTo(ip, 12);
        IPAddress.Parse(destination).GetAddressBytes().CopyTo(ip, 16);
        payload.CopyTo(ip, 20);
        return Ethernet(0x0800, ip);
    }

    private static byte[] Ethernet(ushort etherType, byte[] payload, bool broadcast = false)
    {
        byte[] frame = new byte[14 + payload.Length];
        (broadcast ? new byte[] { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } : new byte[] { 2, 0, 0, 0, 0, 0x21 }).CopyTo(frame, 0);
        new byte[] { 2, 0, 0, 0, 0, 0x11 }.CopyTo(frame, 6);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), etherType);
        payload.CopyTo(frame, 14);
        return frame;
    }
}
