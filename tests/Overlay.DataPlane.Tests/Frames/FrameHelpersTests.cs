using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Frames;

namespace Overlay.DataPlane.Tests.Frames;

public sealed class FrameHelpersTests
{
    [Fact]
    public void Ethernet_accessors_read_MACs_and_type()
    {
        byte[] frame = TestFrames.Frame(MacAddress.Broadcast, TestFrames.A, etherType: EthernetFrame.EtherTypeArp);
        Assert.True(EthernetFrame.Destination(frame).IsBroadcast);
        Assert.True(EthernetFrame.Destination(frame).IsGroup);
        Assert.Equal(TestFrames.A, EthernetFrame.Source(frame));
        Assert.False(EthernetFrame.Source(frame).IsGroup);
        Assert.Equal(EthernetFrame.EtherTypeArp, EthernetFrame.EtherType(frame));
    }

    [Theory]
    [InlineData(0, DropReason.Runt)]
    [InlineData(13, DropReason.Runt)]
    [InlineData(14, DropReason.None)]
    [InlineData(1514, DropReason.None)]
    [InlineData(1515, DropReason.Oversized)]
    public void Ethernet_length_checks(int length, DropReason expected) =>
        Assert.Equal(expected, EthernetFrame.Check(new byte[length], 1500));

    [Fact]
    public void MAC_text_round_trip_and_group_bit()
    {
        Assert.True(MacAddress.TryParse("01:00:5e:00:00:fb", out MacAddress mdns));
        Assert.True(mdns.IsGroup);
        Assert.Equal("01:00:5e:00:00:fb", mdns.ToString());
        Assert.False(MacAddress.TryParse("01:00:5e:00:00", out _));
        Assert.False(MacAddress.TryParse("01:00:5e:00:00:zz", out _));
    }

    [Fact]
    public void EtherIp_header_is_version_3_with_zero_reserved_bits()
    {
        var header = new byte[2];
        Assert.True(EtherIpHeader.TryWrite(header));
        Assert.Equal(new byte[] { 0x30, 0x00 }, header);
        Assert.True(EtherIpHeader.IsValid(header));
        Assert.False(EtherIpHeader.IsValid(new byte[] { 0x20, 0x00 }));
        Assert.False(EtherIpHeader.IsValid(new byte[] { 0x30 }));
        Assert.False(EtherIpHeader.TryWrite(new byte[1]));
    }

    [Theory]
    [InlineData("ff", UdpPayloadKind.NatKeepalive)]
    [InlineData("", UdpPayloadKind.Runt)]
    [InlineData("00", UdpPayloadKind.Runt)]
    [InlineData("fe", UdpPayloadKind.Runt)]
    [InlineData("ffff", UdpPayloadKind.Runt)]
    [InlineData("00000000", UdpPayloadKind.Ike)]
    [InlineData("000000001122334455667788", UdpPayloadKind.Ike)]
    [InlineData("00001000000000", UdpPayloadKind.Runt)]
    [InlineData("0000100000000001", UdpPayloadKind.Esp)]
    [InlineData("ff00000000000001aabb", UdpPayloadKind.Esp)]
    public void UDP_4500_demultiplexing(string hex, UdpPayloadKind expected) =>
        Assert.Equal(expected, UdpEncapsulation.Classify(Convert.FromHexString(hex)));

    [Fact]
    public void ESP_header_round_trip_and_short_input()
    {
        var buffer = new byte[8];
        Assert.True(new Overlay.DataPlane.Esp.EspHeader(0xdeadbeef, 42).TryWrite(buffer));
        Assert.Equal("deadbeef0000002a", Convert.ToHexStringLower(buffer));
        Assert.True(Overlay.DataPlane.Esp.EspHeader.TryParse(buffer, out var header));
        Assert.Equal((0xdeadbeefu, 42u), (header.Spi, header.SequenceLow));
        Assert.False(Overlay.DataPlane.Esp.EspHeader.TryParse(buffer.AsSpan(0, 7), out _));
        Assert.False(new Overlay.DataPlane.Esp.EspHeader(1, 1).TryWrite(new byte[7]));
    }
}
