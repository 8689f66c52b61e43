using System.Net;
using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Forwarding;
using Overlay.DataPlane.Frames;
using Overlay.DataPlane.Io;
using Overlay.DataPlane.Sa;

namespace Overlay.DataPlane.Tests.Forwarding;

/// <summary>
/// IPv6 guests in inner mode ip: the red tunnel protects fd13:1::/64 (local) and fd13:2::/64 (remote).
/// The guest's neighbour solicitation (the kernel's own, from <see cref="NdResponderTests"/>) is answered
/// with the router MAC, its IPv6 packets leave as ESP next header 41, and the peer's come back in
/// Ethernet type 0x86DD to the MAC the router learnt; the blue TVD has no route and gets nothing.
/// </summary>
public sealed class IpModeIpv6PipelineTests : IAsyncLifetime
{
    private static readonly IPAddress Us = IPAddress.Parse("10.200.0.1");
    private static readonly IPAddress Peer = IPAddress.Parse("10.200.0.2");
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);
    private static readonly MacAddress GuestMac = new(0x02_00_00_00_00_0aUL);

    private readonly InMemoryUnderlay _underlay = new(UdpAddress.From(Us, 4500));
    private readonly InMemoryPort _red = new("red");
    private readonly InMemoryPort _blue = new("blue");
    private Pipeline _pipeline = null!;
    private EspSa _peerOut = null!;
    private EspSa _peerIn = null!;

    public Task InitializeAsync()
    {
        _pipeline = new Pipeline(_underlay, new SaTable(), new PipelineOptions { ReceiveTimeout = TimeSpan.FromMilliseconds(20) });
        _pipeline.AttachPort("red", _red, 101, "tvd:red");
        _pipeline.AttachPort("blue", _blue, 102, "tvd:blue");
        var peer = new IPEndPoint(Peer, 4500);
        Tunnel tunnel = _pipeline.AddIpTunnel("moon", peer, 101, "tvd:red");
        _pipeline.IpRouter.AddRoute(101, IPAddress.Parse("fd13:2::"), IPAddress.Parse("fd13:2::ffff:ffff:ffff:ffff"), tunnel.Id);
        _pipeline.IpRouter.AddLocalRange(tunnel.Id, IPAddress.Parse("fd13:1::"), IPAddress.Parse("fd13:1::ffff:ffff:ffff:ffff"));
        byte[] outKey = TestSas.Key(EspCipher.AesGcm128, 4);
        byte[] inKey = TestSas.Key(EspCipher.AesGcm128, 8);
        Assert.Equal(SaInstallResult.Installed, _pipeline.Sas.Install(Ip(peer, SaDirection.Outbound, 0x3000, outKey)));
        Assert.Equal(SaInstallResult.Installed, _pipeline.Sas.Install(Ip(peer, SaDirection.Inbound, 0x4000, inKey)));
        _peerIn = EspSa.Create(Ip(new IPEndPoint(Us, 4500), SaDirection.Inbound, 0x3000, outKey));
        _peerOut = EspSa.Create(Ip(new IPEndPoint(Us, 4500), SaDirection.Outbound, 0x4000, inKey));
        _pipeline.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _pipeline.StopAsync();
        _peerIn.Dispose();
        _peerOut.Dispose();
    }

    [Fact]
    public void A_solicitation_for_a_remote_address_is_answered_on_its_tvd_only()
    {
        _red.Inject(NdResponderTests.KernelSolicitation);
        Assert.True(_red.Delivered.TryTake(out byte[]? reply, Wait));
        Assert.True(NdResponder.TryParseAdvertisement(reply, out uint flags, out ReadOnlySpan<byte> target, out MacAddress mac));
        Assert.Equal(IPAddress.Parse("fd13:2::10"), new IPAddress(target));
        Assert.Equal(IpTunnelRouter.RouterMac, mac);
        Assert.Equal(NdResponder.FlagSolicited, flags);
        Assert.Equal(GuestMac, EthernetFrame.Destination(reply));

        // Blue has no route to fd13:2::/64: its solicitation is switched (no other blue port), not answered.
        _blue.Inject(NdResponderTests.KernelSolicitation);
        Assert.False(_blue.Delivered.TryTake(out _, 300));
        Assert.Empty(_underlay.SentLog);
    }

    [Fact]
    public void A_unicast_probe_to_the_remote_address_is_answered_and_never_sealed()
    {
        byte[] probe = Solicitation(IpTunnelRouter.RouterMac, "fd13:1::10", "fd13:2::10", "fd13:2::10");
        Assert.True(NdResponder.TryParseSolicitation(probe, out _, out _, out _));
        _red.Inject(probe);
        Assert.True(_red.Delivered.TryTake(out byte[]? reply, Wait));
        Assert.True(NdResponder.TryParseAdvertisement(reply, out _, out _, out _));
        Thread.Sleep(100);
        Assert.Empty(_underlay.SentLog);
    }

    [Fact]
    public void A_solicitation_for_an_address_outside_the_remote_selector_is_not_answered()
    {
        _red.Inject(Solicitation(new MacAddress(0x3333_ff00_0010UL), "fd13:1::10", "ff02::1:ff00:10", "fd13:3::10"));
        Assert.False(_red.Delivered.TryTake(out _, 300));
    }

    [Fact]
    public void Guest_ipv6_packet_leaves_as_esp_next_header_41_without_ethernet()
    {
        byte[] ip = Ipv6("fd13:1::10", "fd13:2::10", 120);
        _red.Inject(EthernetOf(IpTunnelRouter.RouterMac, GuestMac, ip));
        WaitUntil(() => !_underlay.SentLog.IsEmpty);
        Assert.True(_underlay.SentLog.TryDequeue(out byte[]? esp));
        var inner = new byte[esp.Length];
        Assert.Equal(EspOpenResult.Ok, _peerIn.TryOpen(esp, inner, out int length, out byte nextHeader));
        Assert.Equal(EspConstants.NextHeaderIPv6, nextHeader);
        Assert.Equal(ip, inner[..length]);
    }

    [Fact]
    public void Peer_ipv6_packet_reaches_the_guest_learnt_from_its_solicitation_as_ethertype_86dd()
    {
        _red.Inject(NdResponderTests.KernelSolicitation); // the router learns fd13:1::10 at 02:00:00:00:00:0a here
        Assert.True(_red.Delivered.TryTake(out _, Wait));

        byte[] ip = Ipv6("fd13:2::10", "fd13:1::10", 200);
        var packet = new byte[2048];
        Assert.True(_peerOut.TrySeal(ip, EspConstants.NextHeaderIPv6, packet, out int written));
        _underlay.Inject(packet[..written], UdpAddress.From(Peer, 4500));

        Assert.True(_red.Delivered.TryTake(out byte[]? frame, Wait));
        Assert.Equal(GuestMac, EthernetFrame.Destination(frame));
        Assert.Equal(IpTunnelRouter.RouterMac, EthernetFrame.Source(frame));
        Assert.Equal(EthernetFrame.EtherTypeIPv6, EthernetFrame.EtherType(frame));
        Assert.Equal(ip, frame[EthernetFrame.HeaderLength..]);
        Assert.False(_blue.Delivered.TryTake(out _, 200));
    }

    [Fact]
    public void A_guest_learnt_from_its_advertisement_gets_the_peer_packet_at_that_mac()
    {
        var other = new MacAddress(0x02_00_00_00_00_77UL);
        byte[] advertisement = new byte[NdResponder.AdvertisementFrameLength];
        NdResponder.WriteAdvertisement(advertisement, other, new MacAddress(0x3333_0000_0001UL),
            IPAddress.Parse("fd13:1::77").GetAddressBytes(), IPAddress.Parse("ff02::1").GetAddressBytes(), NdResponder.FlagOverride);
        _red.Inject(advertisement);
        WaitUntil(() => _pipeline.IpRouter.NeighborCount == 1);

        byte[] ip = Ipv6("fd13:2::10", "fd13:1::77", 100);
        var packet = new byte[2048];
        Assert.True(_peerOut.TrySeal(ip, EspConstants.NextHeaderIPv6, packet, out int written));
        _underlay.Inject(packet[..written], UdpAddress.From(Peer, 4500));
        Assert.True(_red.Delivered.TryTake(out byte[]? frame, Wait));
        Assert.Equal(other, EthernetFrame.Destination(frame));
    }

    [Fact]
    public void An_ipv6_source_outside_the_local_selector_never_enters_the_tunnel()
    {
        _red.Inject(EthernetOf(IpTunnelRouter.RouterMac, GuestMac, Ipv6("fe80::1", "fd13:2::10", 80)));
        GuestPort red = _pipeline.Ports.Single(p => p.Name == "red");
        WaitUntil(() => red.Drops[DropReason.SelectorMismatch] == 1);
        Assert.Empty(_underlay.SentLog);
    }

    [Fact]
    public void An_authenticated_ipv6_packet_from_outside_the_remote_selector_is_dropped()
    {
        var packet = new byte[2048];
        Assert.True(_peerOut.TrySeal(Ipv6("fd13:9::1", "fd13:1::10", 100), EspConstants.NextHeaderIPv6, packet, out int written));
        _underlay.Inject(packet[..written], UdpAddress.From(Peer, 4500));
        _pipeline.Sas.TryGetInbound(0x4000, out EspSa inbound);
        WaitUntil(() => inbound.Drops[DropReason.SelectorMismatch] == 1);
        Assert.False(_red.Delivered.TryTake(out _, 200));
    }

    private static SaDescriptor Ip(IPEndPoint peer, SaDirection direction, uint spi, byte[] key) =>
        new(peer, 101, "tvd:red", direction, spi, EspCipher.AesGcm128, key, InnerMode.Ip, default, ExtendedSequenceNumbers: false);

    /// <summary>A solicitation like the kernel's (source link-layer option), written by hand for other addresses.</summary>
    private static byte[] Solicitation(MacAddress destinationMac, string source, string destination, string target)
    {
        byte[] frame = (byte[])NdResponderTests.KernelSolicitation.Clone();
        destinationMac.Write(frame);
        IPAddress.Parse(source).GetAddressBytes().CopyTo(frame, 22);
        IPAddress.Parse(destination).GetAddressBytes().CopyTo(frame, 38);
        IPAddress.Parse(target).GetAddressBytes().CopyTo(frame, 62);
        frame[56] = frame[57] = 0;
        long sum = 0;
        byte[] pseudo = [.. frame[22..54], 0, 0, 0, 32, 0, 0, 0, 58, .. frame[54..86]];
        for (int i = 0; i < pseudo.Length; i += 2)
        {
            sum += (pseudo[i] << 8) | pseudo[i + 1];
        }

        while (sum >> 16 != 0)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }

        frame[56] = (byte)(~sum >> 8);
        frame[57] = (byte)~sum;
        return frame;
    }

    private static byte[] Ipv6(string source, string destination, int length)
    {
        var ip = new byte[length];
        ip[0] = 0x60;
        ip[4] = (byte)((length - 40) >> 8);
        ip[5] = (byte)(length - 40);
        ip[6] = 17;
        ip[7] = 64;
        IPAddress.Parse(source).GetAddressBytes().CopyTo(ip, 8);
        IPAddress.Parse(destination).GetAddressBytes().CopyTo(ip, 24);
        for (int i = 40; i < length; i++)
        {
            ip[i] = (byte)i;
        }

        return ip;
    }

    private static byte[] EthernetOf(MacAddress dst, MacAddress src, byte[] ip)
    {
        var frame = new byte[EthernetFrame.HeaderLength + ip.Length];
        dst.Write(frame);
        src.Write(frame.AsSpan(6));
        frame[12] = 0x86;
        frame[13] = 0xdd;
        ip.CopyTo(frame, 14);
        return frame;
    }

    private static void WaitUntil(Func<bool> condition)
    {
        long deadline = Environment.TickCount64 + (long)Wait.TotalMilliseconds;
        while (!condition())
        {
            Assert.True(Environment.TickCount64 < deadline, "condition not reached in time");
            Thread.Sleep(10);
        }
    }
}
