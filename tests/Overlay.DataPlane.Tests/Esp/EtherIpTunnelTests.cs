using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Frames;
using Overlay.DataPlane.Sa;
using Overlay.DataPlane.Tests.Frames;

namespace Overlay.DataPlane.Tests.Esp;

public sealed class EtherIpTunnelTests
{
    [Fact]
    public void A_guest_frame_crosses_the_tunnel_tagged_and_arrives_untagged()
    {
        (EspSa outbound, EspSa inbound) = TestSas.Pair(vlanId: 42);
        byte[] frame = TestFrames.Frame(TestFrames.B, TestFrames.A, 1486);
        var packet = new byte[EtherIpTunnel.GetPacketLength(frame.Length)];

        Assert.Equal(DropReason.None, EtherIpTunnel.Encapsulate(outbound, frame, packet, out int written));
        Assert.Equal(packet.Length, written);

        // Look inside with a second inbound SA: EtherIP 0x3000, then the MACs, then tag VID 42.
        using EspSa peek = EspSa.Create(TestSas.Descriptor(SaDirection.Inbound, vlanId: 42));
        var inner = new byte[written];
        Assert.Equal(EspOpenResult.Ok, peek.TryOpen(packet, inner, out int innerLength, out byte nh));
        Assert.Equal(EspConstants.NextHeaderEtherIp, nh);
        Assert.Equal(2 + 4 + frame.Length, innerLength);
        Assert.Equal(new byte[] { 0x30, 0x00 }, inner[..2]);
        Assert.Equal(new byte[] { 0x81, 0x00, 0x00, 42 }, inner[14..18]);

        Assert.Equal(DropReason.None, EtherIpTunnel.Decapsulate(inbound, packet.AsSpan(0, written), out Span<byte> received));
        Assert.Equal(frame, received.ToArray());
    }

    [Fact]
    public void A_frame_tagged_for_another_TVD_is_dropped_as_foreign()
    {
        // Same keys, but the sender's SA says TVD 20 while the receiver's SA carries TVD 10.
        (EspSa outbound, EspSa inbound) = TestSas.Pair(vlanId: 20, inboundVlanId: 10);
        byte[] packet = Tunnel(outbound, TestFrames.Frame(TestFrames.B, TestFrames.A));

        Assert.Equal(DropReason.ForeignTag, EtherIpTunnel.Decapsulate(inbound, packet, out Span<byte> frame));
        Assert.True(frame.IsEmpty);
        Assert.Equal(1, inbound.Drops[DropReason.ForeignTag]);
    }

    [Fact]
    public void An_untagged_frame_inside_EtherIP_is_dropped()
    {
        (EspSa outbound, EspSa inbound) = TestSas.Pair();
        byte[] frame = TestFrames.Frame(TestFrames.B, TestFrames.A);
        byte[] inner = [0x30, 0x00, .. frame];
        var packet = new byte[EspSa.GetSealedLength(inner.Length)];
        outbound.TrySeal(inner, 97, packet, out _);

        Assert.Equal(DropReason.Untagged, EtherIpTunnel.Decapsulate(inbound, packet, out _));
        Assert.Equal(1, inbound.Drops[DropReason.Untagged]);
    }

    [Fact]
    public void A_wrong_EtherIP_version_is_dropped()
    {
        (EspSa outbound, EspSa inbound) = TestSas.Pair();
        var tagged = new byte[64];
        VlanTag.TryInsert(TestFrames.Frame(TestFrames.B, TestFrames.A), 10, tagged, out int taggedLength);
        byte[] inner = [0x20, 0x00, .. tagged[..taggedLength]];
        var packet = new byte[EspSa.GetSealedLength(inner.Length)];
        outbound.TrySeal(inner, 97, packet, out _);

        Assert.Equal(DropReason.BadEtherIpHeader, EtherIpTunnel.Decapsulate(inbound, packet, out _));
    }

    [Fact]
    public void Runt_and_oversized_guest_frames_are_not_sent()
    {
        (EspSa outbound, _) = TestSas.Pair();
        var packet = new byte[2000];
        Assert.Equal(DropReason.Runt, EtherIpTunnel.Encapsulate(outbound, new byte[13], packet, out _));
        Assert.Equal(DropReason.Oversized, EtherIpTunnel.Encapsulate(outbound, new byte[1515], packet, out _));
        Assert.Equal(DropReason.BufferTooSmall, EtherIpTunnel.Encapsulate(outbound, new byte[100], new byte[100], out _));
        Assert.Equal(0UL, outbound.LastSequence);
        Assert.Equal(3, outbound.Drops.Total);
    }

    [Fact]
    public void An_oversized_frame_from_a_peer_is_dropped_after_decryption()
    {
        (EspSa outbound, EspSa inbound) = TestSas.Pair();
        byte[] packet = Tunnel(outbound, TestFrames.Frame(TestFrames.B, TestFrames.A, 1486));
        Assert.Equal(DropReason.Oversized, EtherIpTunnel.Decapsulate(inbound, packet, out _, mtu: 1400));
    }

    [Fact]
    public void Tunnel_drops_from_ESP_pass_through()
    {
        (EspSa outbound, EspSa inbound) = TestSas.Pair();
        byte[] packet = Tunnel(outbound, TestFrames.Frame(TestFrames.B, TestFrames.A));
        Assert.Equal(DropReason.None, EtherIpTunnel.Decapsulate(inbound, packet.ToArray(), out _));
        Assert.Equal(DropReason.Replay, EtherIpTunnel.Decapsulate(inbound, packet, out _));
        Assert.Equal(DropReason.Truncated, EtherIpTunnel.Decapsulate(inbound, packet.AsSpan(0, 10), out _));
    }

    [Fact]
    public void A_dummy_packet_yields_no_frame_and_no_drop()
    {
        (_, EspSa inbound) = TestSas.Pair();
        byte[] plain = EspPacketCrafter.Plaintext(TestSas.Payload(30), EspConstants.NextHeaderNone);
        byte[] packet = EspPacketCrafter.Craft(TestSas.Descriptor(SaDirection.Inbound), 1, plain);

        Assert.Equal(DropReason.None, EtherIpTunnel.Decapsulate(inbound, packet, out Span<byte> frame));
        Assert.True(frame.IsEmpty);
        Assert.Equal(0, inbound.Drops.Total);
    }

    private static byte[] Tunnel(EspSa outbound, byte[] frame)
    {
        var packet = new byte[EtherIpTunnel.GetPacketLength(frame.Length)];
        Assert.Equal(DropReason.None, EtherIpTunnel.Encapsulate(outbound, frame, packet, out _));
        return packet;
    }
}
