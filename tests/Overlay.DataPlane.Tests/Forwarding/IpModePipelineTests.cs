using System.Net;
using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Forwarding;
using Overlay.DataPlane.Frames;
using Overlay.DataPlane.Io;
using Overlay.DataPlane.Sa;

namespace Overlay.DataPlane.Tests.Forwarding;

/// <summary>
/// Inner mode ip against a standard IPsec peer simulated with plain <see cref="EspSa"/> objects (what
/// strongSwan's libipsec does with the same keys): the guest's ARP for a remote address is answered
/// by the router, its IP packets leave as ESP next header 4 without Ethernet, and the peer's packets
/// arrive at the guest wrapped in Ethernet from the router's MAC to the guest's MAC.
/// </summary>
public sealed class IpModePipelineTests : IAsyncLifetime
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
        _pipeline.IpRouter.AddRoute(101, IPAddress.Parse("10.13.2.0"), IPAddress.Parse("10.13.2.255"), tunnel.Id);
        _pipeline.IpRouter.AddLocalRange(tunnel.Id, IPAddress.Parse("10.13.1.0"), IPAddress.Parse("10.13.1.255"));
        byte[] outKey = TestSas.Key(EspCipher.AesGcm128, 3);
        byte[] inKey = TestSas.Key(EspCipher.AesGcm128, 9);
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
    public void Arp_for_a_remote_address_is_answered_with_the_router_mac_and_other_arp_is_switched()
    {
        _red.Inject(ArpRequest("10.13.1.5", "10.13.2.1"));
        Assert.True(_red.Delivered.TryTake(out byte[]? reply, Wait));
        Assert.Equal(ArpResponder.FrameLength, reply.Length);
        Assert.Equal(GuestMac, EthernetFrame.Destination(reply));
        Assert.Equal(IpTunnelRouter.RouterMac, EthernetFrame.Source(reply));
        Assert.Equal(2, reply[21]); // op = reply
        Assert.Equal(IPAddress.Parse("10.13.2.1").GetAddressBytes(), reply[28..32]);
        Assert.Equal(IPAddress.Parse("10.13.1.5").GetAddressBytes(), reply[38..42]);

        // The same request on the blue port (another TVD, no route) is not answered by the router.
        _blue.Inject(ArpRequest("10.13.1.5", "10.13.2.1"));
        Assert.False(_blue.Delivered.TryTake(out _, 300));
        Assert.Empty(_underlay.SentLog);
    }

    [Fact]
    public void Guest_ip_packet_leaves_as_esp_next_header_4_without_ethernet()
    {
        byte[] ip = Ipv4("10.13.1.5", "10.13.2.1", 200);
        _red.Inject(EthernetOf(IpTunnelRouter.RouterMac, GuestMac, ip));
        WaitUntil(() => !_underlay.SentLog.IsEmpty);
        Assert.True(_underlay.SentLog.TryDequeue(out byte[]? esp));
        var inner = new byte[esp.Length];
        Assert.Equal(EspOpenResult.Ok, _peerIn.TryOpen(esp, inner, out int length, out byte nextHeader));
        Assert.Equal(EspConstants.NextHeaderIPv4, nextHeader);
        Assert.Equal(ip, inner[..length]);
    }

    [Fact]
    public void Peer_packet_reaches_the_guest_in_ethernet_from_the_router_mac()
    {
        _red.Inject(ArpRequest("10.13.1.5", "10.13.2.1")); // the router learns the guest here
        Assert.True(_red.Delivered.TryTake(out _, Wait));

        byte[] ip = Ipv4("10.13.2.1", "10.13.1.5", 300);
        var packet = new byte[2048];
        Assert.True(_peerOut.TrySeal(ip, EspConstants.NextHeaderIPv4, packet, out int written));
        _underlay.Inject(packet[..written], UdpAddress.From(Peer, 4500));

        Assert.True(_red.Delivered.TryTake(out byte[]? frame, Wait));
        Assert.Equal(GuestMac, EthernetFrame.Destination(frame));
        Assert.Equal(IpTunnelRouter.RouterMac, EthernetFrame.Source(frame));
        Assert.Equal(EthernetFrame.EtherTypeIPv4, EthernetFrame.EtherType(frame));
        Assert.Equal(ip, frame[EthernetFrame.HeaderLength..]);
        Assert.False(_blue.Delivered.TryTake(out _, 200));
    }

    [Fact]
    public void A_guest_source_outside_the_local_selector_never_enters_the_tunnel()
    {
        _red.Inject(EthernetOf(IpTunnelRouter.RouterMac, GuestMac, Ipv4("10.99.0.7", "10.13.2.1", 200)));
        GuestPort red = _pipeline.Ports.Single(p => p.Name == "red");
        WaitUntil(() => red.Drops[DropReason.SelectorMismatch] == 1);
        Assert.Empty(_underlay.SentLog);
    }

    [Theory]
    [InlineData("10.66.0.1", "10.13.1.5")] // a source the peer did not negotiate (spoofed)
    [InlineData("10.13.2.1", "10.13.9.9")] // a destination outside our selector
    public void An_authenticated_packet_outside_the_selectors_is_dropped_and_counted(string source, string destination)
    {
        _red.Inject(ArpRequest("10.13.1.5", "10.13.2.1"));
        Assert.True(_red.Delivered.TryTake(out _, Wait));

        var packet = new byte[2048];
        Assert.True(_peerOut.TrySeal(Ipv4(source, destination, 120), EspConstants.NextHeaderIPv4, packet, out int written));
        _underlay.Inject(packet[..written], UdpAddress.From(Peer, 4500));
        _pipeline.Sas.TryGetInbound(0x4000, out EspSa inbound);
        WaitUntil(() => inbound.Drops[DropReason.SelectorMismatch] == 1);
        Assert.False(_red.Delivered.TryTake(out _, 200));
        Assert.False(_blue.Delivered.TryTake(out _, 10));
    }

    [Fact]
    public void Peer_packet_that_is_not_ip_is_counted_and_not_delivered()
    {
        var packet = new byte[2048];
        Assert.True(_peerOut.TrySeal(new byte[40], EspConstants.NextHeaderIPv4, packet, out int written)); // version nibble 0
        _underlay.Inject(packet[..written], UdpAddress.From(Peer, 4500));
        _pipeline.Sas.TryGetInbound(0x4000, out EspSa inbound);
        WaitUntil(() => inbound.Drops[DropReason.Malformed] == 1);
        Assert.False(_red.Delivered.TryTake(out _, 200));
    }

    private static SaDescriptor Ip(IPEndPoint peer, SaDirection direction, uint spi, byte[] key) =>
        new(peer, 101, "tvd:red", direction, spi, EspCipher.AesGcm128, key, InnerMode.Ip, default, ExtendedSequenceNumbers: false);

    internal static byte[] ArpRequest(string sender, string target)
    {
        var frame = new byte[ArpResponder.FrameLength];
        MacAddress.Broadcast.Write(frame);
        GuestMac.Write(frame.AsSpan(6));
        frame[12] = 0x08; frame[13] = 0x06;
        byte[] arp = [0, 1, 8, 0, 6, 4, 0, 1];
        arp.CopyTo(frame, 14);
        GuestMac.Write(frame.AsSpan(22));
        IPAddress.Parse(sender).GetAddressBytes().CopyTo(frame, 28);
        IPAddress.Parse(target).GetAddressBytes().CopyTo(frame, 38);
        return frame;
    }

    internal static byte[] Ipv4(string source, string destination, int length)
    {
        var ip = new byte[length];
        ip[0] = 0x45;
        ip[2] = (byte)(length >> 8);
        ip[3] = (byte)length;
        ip[8] = 64;
        ip[9] = 17;
        IPAddress.Parse(source).GetAddressBytes().CopyTo(ip, 12);
        IPAddress.Parse(destination).GetAddressBytes().CopyTo(ip, 16);
        for (int i = 20; i < length; i++)
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
        frame[12] = 0x08;
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
