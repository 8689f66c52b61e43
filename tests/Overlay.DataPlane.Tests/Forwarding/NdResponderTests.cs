using System.Net;
using Overlay.DataPlane.Forwarding;
using Overlay.DataPlane.Frames;

namespace Overlay.DataPlane.Tests.Forwarding;

/// <summary>
/// Neighbour discovery messages of a real stack: the frames below were captured with tshark on a veth
/// between two network namespaces of Linux 6.18 (<c>ip -6 route add fd13:2::/64 dev eth0</c>, then
/// <c>ping -6 fd13:2::10</c>; an address added without <c>nodad</c>; a ping from a neighbour), byte for byte.
/// </summary>
public sealed class NdResponderTests
{
    private static readonly MacAddress GuestMac = new(0x02_00_00_00_00_0aUL);

    /// <summary>fd13:1::10 → ff02::1:ff00:10: who has fd13:2::10? Source link-layer option 02:00:00:00:00:0a.</summary>
    internal static readonly byte[] KernelSolicitation = Convert.FromHexString(
        "3333ff000010" + "02000000000a" + "86dd" + "6000000000203aff" + "fd130001000000000000000000000010" + "ff0200000000000000000001ff000010"
        + "87007d3a00000000" + "fd130002000000000000000000000010" + "0101" + "02000000000a");

    /// <summary>Duplicate address detection: :: → ff02::1:ff00:11 for fd13:1::11, with a nonce option (RFC 7527) and no link-layer option.</summary>
    private static readonly byte[] KernelDadSolicitation = Convert.FromHexString(
        "3333ff000011" + "02000000000a" + "86dd" + "6000000000203aff" + "00000000000000000000000000000000" + "ff0200000000000000000001ff000011"
        + "8700ff1700000000" + "fd130001000000000000000000000011" + "0e01" + "d28cd889c539");

    /// <summary>The kernel's answer fd13:1::10 → fd13:1::20: fd13:1::10 is at 02:00:00:00:00:0a (Solicited, Override).</summary>
    private static readonly byte[] KernelAdvertisement = Convert.FromHexString(
        "02000000000b" + "02000000000a" + "86dd" + "6000000000203aff" + "fd130001000000000000000000000010" + "fd130001000000000000000000000020"
        + "88001c1b60000000" + "fd130001000000000000000000000010" + "0201" + "02000000000a");

    [Fact]
    public void A_kernel_solicitation_gives_the_asker_and_the_target()
    {
        Assert.True(NdResponder.IsNeighborDiscovery(KernelSolicitation));
        Assert.True(NdResponder.TryParseSolicitation(KernelSolicitation, out MacAddress asker, out ReadOnlySpan<byte> askerIp, out ReadOnlySpan<byte> target));
        Assert.Equal(GuestMac, asker);
        Assert.Equal(IPAddress.Parse("fd13:1::10"), new IPAddress(askerIp));
        Assert.Equal(IPAddress.Parse("fd13:2::10"), new IPAddress(target));
        Assert.False(NdResponder.TryParseAdvertisement(KernelSolicitation, out _, out _, out _));
    }

    [Fact]
    public void A_duplicate_address_detection_probe_has_the_unspecified_asker_and_the_frame_source_as_mac()
    {
        Assert.True(NdResponder.TryParseSolicitation(KernelDadSolicitation, out MacAddress asker, out ReadOnlySpan<byte> askerIp, out ReadOnlySpan<byte> target));
        Assert.Equal(GuestMac, asker);
        Assert.Equal(IPAddress.IPv6Any, new IPAddress(askerIp));
        Assert.Equal(IPAddress.Parse("fd13:1::11"), new IPAddress(target));
    }

    [Fact]
    public void A_kernel_advertisement_parses_and_the_writer_reproduces_it_byte_for_byte()
    {
        Assert.True(NdResponder.TryParseAdvertisement(KernelAdvertisement, out uint flags, out ReadOnlySpan<byte> target, out MacAddress mac));
        Assert.Equal(NdResponder.FlagSolicited | NdResponder.FlagOverride, flags);
        Assert.Equal(IPAddress.Parse("fd13:1::10"), new IPAddress(target));
        Assert.Equal(GuestMac, mac);

        var written = new byte[NdResponder.AdvertisementFrameLength];
        int length = NdResponder.WriteAdvertisement(written, GuestMac, new MacAddress(0x02_00_00_00_00_0bUL),
            IPAddress.Parse("fd13:1::10").GetAddressBytes(), IPAddress.Parse("fd13:1::20").GetAddressBytes(),
            NdResponder.FlagSolicited | NdResponder.FlagOverride);
        Assert.Equal(KernelAdvertisement.Length, length);
        Assert.Equal(Convert.ToHexString(KernelAdvertisement), Convert.ToHexString(written)); // checksum included
    }

    [Fact]
    public void The_proxy_answer_to_a_kernel_solicitation_is_a_solicited_advertisement_of_the_router_mac()
    {
        Assert.True(NdResponder.TryParseSolicitation(KernelSolicitation, out MacAddress asker, out ReadOnlySpan<byte> askerIp, out ReadOnlySpan<byte> target));
        var reply = new byte[NdResponder.AdvertisementFrameLength];
        Assert.Equal(reply.Length, NdResponder.WriteProxyAdvertisement(reply, IpTunnelRouter.RouterMac, target, asker, askerIp));

        Assert.Equal(GuestMac, EthernetFrame.Destination(reply));
        Assert.Equal(IpTunnelRouter.RouterMac, EthernetFrame.Source(reply));
        Assert.Equal(EthernetFrame.EtherTypeIPv6, EthernetFrame.EtherType(reply));
        Assert.Equal(255, reply[14 + 7]); // hop limit
        Assert.Equal(IPAddress.Parse("fd13:2::10"), new IPAddress(reply.AsSpan(14 + 8, 16))); // from the target
        Assert.Equal(IPAddress.Parse("fd13:1::10"), new IPAddress(reply.AsSpan(14 + 24, 16))); // to the asker
        Assert.Equal(0, ReferenceChecksum(reply)); // over the pseudo-header, computed independently

        Assert.True(NdResponder.TryParseAdvertisement(reply, out uint flags, out ReadOnlySpan<byte> advertised, out MacAddress mac));
        Assert.Equal(NdResponder.FlagSolicited, flags); // Override clear: a proxy (RFC 4861 §7.2.8); Router clear: a host
        Assert.Equal(IPAddress.Parse("fd13:2::10"), new IPAddress(advertised));
        Assert.Equal(IpTunnelRouter.RouterMac, mac);
    }

    [Fact]
    public void The_answer_to_duplicate_address_detection_goes_to_all_nodes_unsolicited()
    {
        Assert.True(NdResponder.TryParseSolicitation(KernelDadSolicitation, out MacAddress asker, out ReadOnlySpan<byte> askerIp, out ReadOnlySpan<byte> target));
        var reply = new byte[NdResponder.AdvertisementFrameLength];
        NdResponder.WriteProxyAdvertisement(reply, IpTunnelRouter.RouterMac, target, asker, askerIp);

        Assert.Equal("333300000001", Convert.ToHexString(reply, 0, 6));
        Assert.Equal(IPAddress.Parse("ff02::1"), new IPAddress(reply.AsSpan(14 + 24, 16)));
        Assert.Equal(0, ReferenceChecksum(reply));
        Assert.True(NdResponder.TryParseAdvertisement(reply, out uint flags, out _, out _));
        Assert.Equal(0u, flags); // not solicited, no override
    }

    [Fact]
    public void Ethernet_padding_after_the_message_is_ignored()
    {
        byte[] padded = [.. KernelSolicitation, 0, 0, 0, 0];
        Assert.True(NdResponder.TryParseSolicitation(padded, out _, out _, out _));
    }

    public static TheoryData<string> Invalid => new()
    {
        "hop limit 254", "bad checksum", "code 1", "multicast target", "option of length 0", "option past the end",
        "payload length past the frame", "payload length under 24", "extension header", "to another address",
        "dad with a link-layer option", "dad to the target itself", "not IPv6",
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void An_invalid_solicitation_is_not_parsed(string defect)
    {
        byte[] frame = (byte[])KernelSolicitation.Clone();
        switch (defect)
        {
            case "hop limit 254": frame[21] = 254; break;
            case "bad checksum": frame[56] ^= 1; break;
            case "code 1": frame[55] = 1; break;
            case "multicast target": frame[62] = 0xff; frame[63] = 0x02; break;
            case "option of length 0": frame[79] = 0; break;
            case "option past the end": frame[79] = 2; break;
            case "payload length past the frame": frame[19] = 0x28; break;
            case "payload length under 24": frame[19] = 16; break;
            case "extension header": frame[20] = 0; break;
            case "to another address": frame[38] = 0xfd; frame[39] = 0x13; break; // unicast, not the target
            case "dad with a link-layer option": Array.Clear(frame, 22, 16); break;
            case "dad to the target itself":
                frame = (byte[])KernelDadSolicitation.Clone();
                Array.Copy(frame, 62, frame, 38, 16);
                break;
            case "not IPv6": frame[12] = 0x08; frame[13] = 0x00; break;
            default: throw new ArgumentException(defect);
        }

        if (defect != "bad checksum")
        {
            FixChecksum(frame); // only the named defect remains
        }

        Assert.False(NdResponder.TryParseSolicitation(frame, out _, out _, out _));
    }

    [Fact]
    public void A_solicited_advertisement_to_a_multicast_address_is_refused()
    {
        byte[] frame = (byte[])KernelAdvertisement.Clone();
        Convert.FromHexString("ff020000000000000000000000000001").CopyTo(frame, 38);
        FixChecksum(frame);
        Assert.False(NdResponder.TryParseAdvertisement(frame, out _, out _, out _));
        frame[58] = 0x20; // Override only: an unsolicited advertisement to all-nodes is fine
        FixChecksum(frame);
        Assert.True(NdResponder.TryParseAdvertisement(frame, out uint flags, out _, out _));
        Assert.Equal(NdResponder.FlagOverride, flags);
    }

    /// <summary>A naive RFC 1071 sum over the pseudo-header and the ICMPv6 message: 0 when the stored checksum is right.</summary>
    private static int ReferenceChecksum(byte[] frame)
    {
        int payload = (frame[18] << 8) | frame[19];
        var data = new List<byte>();
        data.AddRange(frame.AsSpan(22, 32).ToArray());
        data.AddRange([0, 0, (byte)(payload >> 8), (byte)payload, 0, 0, 0, 58]);
        data.AddRange(frame.AsSpan(54, payload).ToArray());
        long sum = 0;
        for (int i = 0; i < data.Count; i += 2)
        {
            sum += (data[i] << 8) | (i + 1 < data.Count ? data[i + 1] : 0);
        }

        while (sum >> 16 != 0)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }

        return (int)(~sum & 0xffff);
    }

    private static void FixChecksum(byte[] frame)
    {
        int payload = Math.Min((frame[18] << 8) | frame[19], frame.Length - 54);
        if (payload < 4)
        {
            return;
        }

        frame[56] = frame[57] = 0;
        byte[] copy = frame[..(54 + payload)];
        copy[18] = (byte)(payload >> 8);
        copy[19] = (byte)payload;
        int sum = ReferenceChecksum(copy);
        frame[56] = (byte)(sum >> 8);
        frame[57] = (byte)sum;
    }
}
