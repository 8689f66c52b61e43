using System.Net;
using Microsoft.Extensions.Time.Testing;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Forwarding;
using Overlay.DataPlane.Frames;
using Overlay.DataPlane.Io;
using Overlay.DataPlane.Sa;

namespace Overlay.DataPlane.Tests.Forwarding;

/// <summary>
/// <see cref="ITunnelKeyer"/>: one call keys a (peer, TVD) tunnel with its SAs and, in mode ip, its routes;
/// all SAs or none; a CHILD_SA's removal stops both directions, or after a rekey lets the inbound SA finish.
/// </summary>
public sealed class PipelineTunnelKeyingTests : IAsyncLifetime
{
    private static readonly IPEndPoint Peer = TestSas.Peer;
    private readonly FakeTimeProvider _time = new();
    private Pipeline _pipeline = null!;

    public Task InitializeAsync()
    {
        _pipeline = new Pipeline(new InMemoryUnderlay(UdpAddress.From(IPAddress.Parse("192.0.2.1"), 4500)), new SaTable(_time), time: _time);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _pipeline.StopAsync();
        _pipeline.Sas.Dispose();
    }

    [Fact]
    public void A_pair_opens_the_etherip_tunnel_and_installs_both_directions()
    {
        TunnelKeyingResult result = _pipeline.Install(Keying(InnerMode.EtherIp, inSpi: 0x2000, outSpi: 0x3000));

        Assert.True(result.Installed, result.Problem);
        Tunnel tunnel = Assert.Single(_pipeline.Tunnels);
        Assert.Same(tunnel, result.Tunnel);
        Assert.Equal(("peer-b", (ushort)10, "red"), (tunnel.PeerName, tunnel.VlanId, tunnel.TvdLabel));
        Assert.True(_pipeline.Sas.TryGetInbound(0x2000, out _));
        Assert.True(_pipeline.Sas.TryGetOutbound(Peer, 10, out EspSa outbound));
        Assert.Equal(0x3000u, outbound.Spi);
        Assert.False(_pipeline.IpRouter.HasRoutes);
    }

    [Fact]
    public void Mode_ip_routes_the_remote_ranges_into_the_tunnel_and_binds_the_local_ones()
    {
        TunnelKeyingResult result = _pipeline.Install(Keying(InnerMode.Ip, inSpi: 0x2000, outSpi: 0x3000,
            local: [Range("10.1.0.0", "10.1.0.255")], remote: [Range("10.2.0.0", "10.2.0.255"), Range("10.3.0.7", "10.3.0.7")]));

        Assert.True(result.Installed, result.Problem);
        Assert.Equal(2, _pipeline.IpRouter.RouteCount);
        byte[] packet = Ipv4(source: "10.1.0.5", destination: "10.2.0.9");
        Assert.Equal(result.Tunnel!.Id, _pipeline.IpRouter.Lookup(10, packet));
        Assert.True(_pipeline.IpRouter.AllowsOutbound(result.Tunnel.Id, packet));
        Assert.False(_pipeline.IpRouter.AllowsOutbound(result.Tunnel.Id, Ipv4(source: "10.9.0.5", destination: "10.2.0.9")));
    }

    [Fact]
    public void When_one_SA_is_refused_none_stays_installed()
    {
        Assert.True(_pipeline.Install(Keying(InnerMode.EtherIp, inSpi: 0x2000, outSpi: 0x3000)).Installed);

        // A second CHILD_SA whose outbound SPI collides: its inbound SA must not linger half-keyed.
        TunnelKeyingResult result = _pipeline.Install(Keying(InnerMode.EtherIp, inSpi: 0x2001, outSpi: 0x3000));

        Assert.False(result.Installed);
        Assert.Contains("outbound SA 0x00003000", result.Problem);
        Assert.False(_pipeline.Sas.TryGetInbound(0x2001, out _));
        Assert.Equal((1, 1), (_pipeline.Sas.InboundCount, _pipeline.Sas.OutboundCount));
    }

    [Fact]
    public void SAs_of_different_tunnels_in_one_keying_are_refused()
    {
        SaDescriptor inbound = TestSas.Descriptor(SaDirection.Inbound, 0x2000);
        SaDescriptor outbound = TestSas.Descriptor(SaDirection.Outbound, 0x3000, vlanId: 11);

        TunnelKeyingResult result = _pipeline.Install(new TunnelKeying("peer-b", [inbound, outbound], [], []));

        Assert.False(result.Installed);
        Assert.Contains("another tunnel", result.Problem);
        Assert.Empty(_pipeline.Tunnels);
        Assert.Equal(0, _pipeline.Sas.InboundCount);
    }

    [Fact]
    public void A_removed_CHILD_SA_stops_both_directions_at_once()
    {
        _pipeline.Install(Keying(InnerMode.EtherIp, inSpi: 0x2000, outSpi: 0x3000));

        _pipeline.Remove(0x2000, 0x3000, SaRemoval.Now);

        Assert.Equal((0, 0, 0), (_pipeline.Sas.InboundCount, _pipeline.Sas.OutboundCount, _pipeline.Sas.RetiringCount));
    }

    [Fact]
    public void A_rekeyed_CHILD_SA_keeps_opening_for_the_grace_then_goes()
    {
        _pipeline.Install(Keying(InnerMode.EtherIp, inSpi: 0x2000, outSpi: 0x3000));
        _pipeline.Install(Keying(InnerMode.EtherIp, inSpi: 0x2001, outSpi: 0x3001)); // the rekeyed pair

        _pipeline.Remove(0x2000, 0x3000, SaRemoval.Rekeyed);

        Assert.True(_pipeline.Sas.TryGetInbound(0x2000, out _));
        Assert.Equal(1, _pipeline.Sas.OutboundCount);
        _time.Advance(Pipeline.RekeyedInboundGrace + TimeSpan.FromMilliseconds(1));
        Assert.False(_pipeline.Sas.TryGetInbound(0x2000, out _));
        Assert.True(_pipeline.Sas.TryGetInbound(0x2001, out _));
    }

    private static TunnelKeying Keying(InnerMode mode, uint inSpi, uint outSpi, AddressRange[]? local = null, AddressRange[]? remote = null) =>
        new("peer-b",
            [TestSas.Descriptor(SaDirection.Inbound, inSpi, mode: mode), TestSas.Descriptor(SaDirection.Outbound, outSpi, mode: mode)],
            local ?? [], remote ?? []);

    private static AddressRange Range(string first, string last) => new(IPAddress.Parse(first), IPAddress.Parse(last));

    private static byte[] Ipv4(string source, string destination)
    {
        var packet = new byte[20];
        packet[0] = 0x45;
        packet[3] = 20;
        packet[9] = 17;
        IPAddress.Parse(source).GetAddressBytes().CopyTo(packet, 12);
        IPAddress.Parse(destination).GetAddressBytes().CopyTo(packet, 16);
        return packet;
    }
}
