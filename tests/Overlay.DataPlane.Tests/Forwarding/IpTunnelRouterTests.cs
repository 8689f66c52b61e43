using System.Net;
using Overlay.DataPlane.Forwarding;
using Overlay.DataPlane.Frames;

namespace Overlay.DataPlane.Tests.Forwarding;

public sealed class IpTunnelRouterTests
{
    [Fact]
    public void Lookup_matches_destination_range_family_and_tvd()
    {
        var router = new IpTunnelRouter();
        Assert.False(router.HasRoutes);
        router.AddRoute(101, IPAddress.Parse("10.13.2.0"), IPAddress.Parse("10.13.2.255"), 4);
        router.AddRoute(101, IPAddress.Parse("fd00:2::"), IPAddress.Parse("fd00:2::ffff"), 5);
        router.AddRoute(102, IPAddress.Parse("10.13.2.0"), IPAddress.Parse("10.13.2.255"), 6);
        Assert.Equal(3, router.RouteCount);

        Assert.Equal(4, router.Lookup(101, IpModePipelineTests.Ipv4("10.13.1.5", "10.13.2.255", 40)));
        Assert.Equal(6, router.Lookup(102, IpModePipelineTests.Ipv4("10.13.1.5", "10.13.2.0", 40)));
        Assert.Equal(-1, router.Lookup(101, IpModePipelineTests.Ipv4("10.13.1.5", "10.13.3.0", 40)));
        Assert.Equal(-1, router.Lookup(103, IpModePipelineTests.Ipv4("10.13.1.5", "10.13.2.1", 40)));
        Assert.Equal(5, router.Lookup(101, Ipv6("fd00:2::10")));
        Assert.Equal(-1, router.Lookup(101, new byte[10])); // runt: not IP
        router.RemoveRoutes(4);
        Assert.Equal(-1, router.Lookup(101, IpModePipelineTests.Ipv4("10.13.1.5", "10.13.2.1", 40)));
    }

    [Fact]
    public void Selectors_bind_sources_out_and_both_addresses_in_per_tunnel()
    {
        var router = new IpTunnelRouter();
        router.AddRoute(101, IPAddress.Parse("10.13.2.0"), IPAddress.Parse("10.13.2.255"), 4);
        Assert.False(router.AllowsOutbound(4, IpModePipelineTests.Ipv4("10.13.1.5", "10.13.2.1", 40))); // no local range: nothing
        router.AddLocalRange(4, IPAddress.Parse("10.13.1.0"), IPAddress.Parse("10.13.1.255"));
        router.AddLocalRange(7, IPAddress.Parse("10.99.0.0"), IPAddress.Parse("10.99.0.255"));

        Assert.True(router.AllowsOutbound(4, IpModePipelineTests.Ipv4("10.13.1.5", "10.13.2.1", 40)));
        Assert.False(router.AllowsOutbound(4, IpModePipelineTests.Ipv4("10.99.0.5", "10.13.2.1", 40))); // another tunnel's range
        Assert.True(router.AllowsInbound(4, IpModePipelineTests.Ipv4("10.13.2.1", "10.13.1.5", 40)));
        Assert.False(router.AllowsInbound(4, IpModePipelineTests.Ipv4("10.13.3.1", "10.13.1.5", 40)));
        Assert.False(router.AllowsInbound(4, IpModePipelineTests.Ipv4("10.13.2.1", "10.13.0.5", 40)));
        Assert.False(router.AllowsInbound(4, new byte[10]));
        Assert.Throws<ArgumentException>(() => router.AddLocalRange(4, IPAddress.Parse("10.0.0.1"), IPAddress.Parse("fd00::1")));

        router.RemoveRoutes(4);
        Assert.False(router.AllowsOutbound(4, IpModePipelineTests.Ipv4("10.13.1.5", "10.13.2.1", 40)));
        Assert.True(router.AllowsOutbound(7, IpModePipelineTests.Ipv4("10.99.0.5", "10.13.2.1", 40)));
    }

    [Fact]
    public void A_route_that_mixes_families_or_runs_backwards_is_refused()
    {
        var router = new IpTunnelRouter();
        Assert.Throws<ArgumentException>(() => router.AddRoute(1, IPAddress.Parse("10.0.0.1"), IPAddress.Parse("fd00::1"), 0));
        Assert.Throws<ArgumentException>(() => router.AddRoute(1, IPAddress.Parse("10.0.0.9"), IPAddress.Parse("10.0.0.1"), 0));
        Assert.False(router.HasRoutes);
    }

    [Fact]
    public void Neighbors_are_learned_per_tvd_and_group_macs_are_ignored()
    {
        var router = new IpTunnelRouter();
        var mac = new MacAddress(0x02_00_00_00_00_01UL);
        router.Learn(101, false, IPAddress.Parse("10.13.1.5").GetAddressBytes(), 3, mac);
        router.Learn(101, false, IPAddress.Parse("10.13.1.6").GetAddressBytes(), 3, MacAddress.Broadcast);
        Assert.Equal(1, router.NeighborCount);
        Assert.True(router.TryGetNeighbor(101, IpModePipelineTests.Ipv4("10.13.2.1", "10.13.1.5", 20), out int port, out MacAddress found));
        Assert.Equal((3, mac), (port, found));
        Assert.False(router.TryGetNeighbor(102, IpModePipelineTests.Ipv4("10.13.2.1", "10.13.1.5", 20), out _, out _));
    }

    [Fact]
    public void The_neighbor_table_is_bounded_and_a_known_address_still_moves()
    {
        var router = new IpTunnelRouter();
        var mac = new MacAddress(0x02_00_00_00_00_01UL);
        var address = new byte[16];
        for (int i = 0; i < IpTunnelRouter.MaxNeighbors + 100; i++)
        {
            BitConverter.TryWriteBytes(address.AsSpan(12), i);
            router.Learn(101, true, address, 1, mac);
        }

        Assert.Equal(IpTunnelRouter.MaxNeighbors, router.NeighborCount);
        BitConverter.TryWriteBytes(address.AsSpan(12), 7);
        router.Learn(101, true, address, 2, mac); // known: the port it moved to is kept
        byte[] packet = Ipv6(new IPAddress(address).ToString());
        Assert.True(router.TryGetNeighbor(101, packet, out int port, out _));
        Assert.Equal(2, port);
    }

    [Fact]
    public void Ipv6_coverage_and_local_ranges_answer_for_their_family_and_tvd()
    {
        var router = new IpTunnelRouter();
        router.AddRoute(101, IPAddress.Parse("fd13:2::"), IPAddress.Parse("fd13:2::ffff"), 4);
        router.AddLocalRange(4, IPAddress.Parse("fd13:1::"), IPAddress.Parse("fd13:1::ffff"));
        router.AddLocalRange(4, IPAddress.Parse("10.13.1.0"), IPAddress.Parse("10.13.1.255"));
        Assert.True(router.CoversIPv6(101, IPAddress.Parse("fd13:2::10").GetAddressBytes()));
        Assert.False(router.CoversIPv6(102, IPAddress.Parse("fd13:2::10").GetAddressBytes()));
        Assert.False(router.CoversIPv6(101, IPAddress.Parse("fd13:2::1:0").GetAddressBytes()));
        Assert.True(router.IsLocal(IPAddress.Parse("fd13:1::5").GetAddressBytes()));
        Assert.True(router.IsLocal(IPAddress.Parse("10.13.1.5").GetAddressBytes()));
        Assert.False(router.IsLocal(IPAddress.Parse("fe80::5").GetAddressBytes()));
        Assert.False(router.IsLocal(IPAddress.Parse("::").GetAddressBytes()));
    }

    private static byte[] Ipv6(string destination)
    {
        var ip = new byte[40];
        ip[0] = 0x60;
        IPAddress.Parse(destination).GetAddressBytes().CopyTo(ip, 24);
        return ip;
    }
}
