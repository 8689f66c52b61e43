using System.Buffers.Binary;
using System.Net;
using Overlay.DataPlane.Io;

namespace Overlay.DataPlane.Tests.Io;

/// <summary>
/// The AF_XDP underlay's framing against a frame from a real capture: frame 13 of
/// tests/Overlay.Ike.Tests/Fixtures/strongswan/ike.pcap (strongSwan, 10.250.0.1:4500 → 10.250.0.2:4500, an IKE
/// message after the non-ESP marker, 84 bytes of UDP payload, DF set, IP ID 0x49e0, checksum 0xdaa6).
/// </summary>
public sealed class XdpUnderlayFrameTests
{
    private static readonly byte[] Captured = Convert.FromHexString(string.Concat(
        "76 b8 b4 72 25 ac 16 f6 d6 74 42 33 08 00 45 00",
        "00 70 49 e0 40 00 40 11 da a6 0a fa 00 01 0a fa",
        "00 02 11 94 11 94 00 5c 16 64 00 00 00 00 32 8c",
        "8b 70 d2 83 70 25 96 96 ce ed c0 a2 ca 89 2e 20",
        "25 08 00 00 00 02 00 00 00 50 2a 00 00 34 ea 41",
        "c1 94 47 5f b0 2c 01 2b e0 e0 73 27 78 26 6b 60",
        "19 6a f6 53 be 4e c7 d7 f8 f9 3e 27 f5 43 cc eb",
        "df a8 d6 a4 9f 6b 79 21 4c 19 68 95 ad 72"
    ).Replace(" ", "", StringComparison.Ordinal));

    private static readonly UdpAddress Receiver = UdpAddress.From(IPAddress.Parse("10.250.0.2"), 4500);
    private static readonly UdpAddress Sender = UdpAddress.From(IPAddress.Parse("10.250.0.1"), 4500);

    [Fact]
    public void The_captured_datagram_is_accepted_with_its_payload_and_source()
    {
        Assert.Equal(126, Captured.Length);
        Assert.Equal(XdpUnderlayFrameResult.Accepted, XdpUnderlayFrame.Parse(Captured, Captured.Length, Receiver, out int length, out UdpAddress source));
        Assert.Equal(84, length);
        Assert.Equal(Sender, source);
        Assert.Equal([0, 0, 0, 0], Captured.AsSpan(XdpUnderlayFrame.HeadersLength, 4).ToArray()); // the non-ESP marker starts the payload
    }

    [Fact]
    public void Ethernet_padding_after_the_datagram_is_not_payload()
    {
        byte[] padded = [.. Captured, .. new byte[20]];
        Assert.Equal(XdpUnderlayFrameResult.Accepted, XdpUnderlayFrame.Parse(padded, padded.Length, Receiver, out int length, out _));
        Assert.Equal(84, length);
    }

    [Fact]
    public void Any_destination_address_is_accepted_when_bound_to_0_0_0_0()
    {
        Assert.Equal(XdpUnderlayFrameResult.Accepted, XdpUnderlayFrame.Parse(Captured, Captured.Length, new UdpAddress(0, Receiver.Port), out _, out _));
    }

    [Theory]
    [InlineData("other port")]
    [InlineData("other address")]
    [InlineData("more fragments")]
    [InlineData("fragment offset")]
    [InlineData("IP options")]
    [InlineData("TCP")]
    [InlineData("ARP")]
    [InlineData("IP length beyond the frame")]
    [InlineData("UDP length beyond the IP payload")]
    [InlineData("UDP length below its header")]
    [InlineData("cut in the UDP header")]
    public void What_is_not_a_whole_unfragmented_datagram_to_us_is_malformed(string change)
    {
        byte[] frame = (byte[])Captured.Clone();
        int frameLength = frame.Length;
        UdpAddress local = Receiver;
        switch (change)
        {
            case "other port": local = Receiver with { Port = 4501 }; break;
            case "other address": local = UdpAddress.From(IPAddress.Parse("10.250.0.3"), 4500); break;
            case "more fragments": frame[20] = 0x20; break;
            case "fragment offset": frame[20] = 0; frame[21] = 1; break;
            case "IP options": frame[14] = 0x46; break;
            case "TCP": frame[23] = 6; break;
            case "ARP": frame[12] = 0x08; frame[13] = 0x06; break;
            case "IP length beyond the frame": BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(16), 113); break;
            case "UDP length beyond the IP payload": BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(38), 93); break;
            case "UDP length below its header": BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(38), 7); break;
            case "cut in the UDP header": frame = frame[..40]; frameLength = 40; break;
        }

        Assert.Equal(XdpUnderlayFrameResult.Malformed, XdpUnderlayFrame.Parse(frame, frameLength, local, out int length, out _));
        Assert.Equal(0, length);
    }

    [Fact]
    public void A_header_with_a_wrong_checksum_is_refused()
    {
        byte[] frame = (byte[])Captured.Clone();
        frame[24] ^= 0x01; // checksum 0xdaa6 → 0xdba6
        Assert.Equal(XdpUnderlayFrameResult.BadChecksum, XdpUnderlayFrame.Parse(frame, frame.Length, Receiver, out _, out _));
        frame = (byte[])Captured.Clone();
        frame[22] = 63; // TTL changed, checksum not
        Assert.Equal(XdpUnderlayFrameResult.BadChecksum, XdpUnderlayFrame.Parse(frame, frame.Length, Receiver, out _, out _));
    }

    /// <summary>
    /// Our frame for the same datagram equals the captured one except where we differ on purpose: DF clear
    /// (IP_PMTUDISC_DONT), so the checksum is 0xdaa6 with 0x4000 taken out of the sum (0x1aa7), and the UDP
    /// checksum 0 (RFC 3948 §3.1).
    /// </summary>
    [Fact]
    public void A_built_frame_matches_the_capture_but_for_DF_and_the_UDP_checksum()
    {
        byte[] template = new byte[XdpUnderlayFrame.HeadersLength];
        XdpUnderlayFrame.WriteTemplate(template, Captured.AsSpan(0, 6), Captured.AsSpan(6, 6), Sender, Receiver.AddressNetworkOrder);
        byte[] built = new byte[Captured.Length];
        template.CopyTo(built, 0);
        Captured.AsSpan(XdpUnderlayFrame.HeadersLength).CopyTo(built.AsSpan(XdpUnderlayFrame.HeadersLength));
        XdpUnderlayFrame.Complete(built, XdpUnderlayFrame.TemplateSum(template), 84, 4500, 0x49e0);

        byte[] expected = (byte[])Captured.Clone();
        expected[20] = 0x00;                     // flags: DF clear
        expected[24] = 0x1a;                     // header checksum without DF
        expected[25] = 0xa7;
        expected[40] = 0;                        // UDP checksum 0
        expected[41] = 0;
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(built));
        Assert.Equal(XdpUnderlayFrameResult.Accepted, XdpUnderlayFrame.Parse(built, built.Length, Receiver, out int length, out UdpAddress source));
        Assert.Equal((84, Sender), (length, source));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1372)]
    [InlineData(1472)]
    public void Every_built_length_and_id_verifies(int payload)
    {
        byte[] template = new byte[XdpUnderlayFrame.HeadersLength];
        XdpUnderlayFrame.WriteTemplate(template, [2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2], UdpAddress.From(IPAddress.Parse("192.0.2.200"), 4500), Receiver.AddressNetworkOrder);
        uint sum = XdpUnderlayFrame.TemplateSum(template);
        byte[] frame = new byte[XdpUnderlayFrame.HeadersLength + payload];
        foreach (ushort id in new ushort[] { 0, 1, 0x7fff, 0xfffe, 0xffff })
        {
            template.CopyTo(frame, 0);
            XdpUnderlayFrame.Complete(frame, sum, payload, 4500, id);
            Assert.Equal(XdpUnderlayFrameResult.Accepted, XdpUnderlayFrame.Parse(frame, frame.Length, Receiver, out int length, out UdpAddress source));
            Assert.Equal(payload, length);
            Assert.Equal("192.0.2.200:4500", source.ToString());
        }
    }
}
