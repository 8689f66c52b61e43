using System.Net;
using System.Net.Sockets;
using Overlay.Cluster.Records;
using Overlay.Daemon.ClusterHost;

namespace Overlay.Daemon.Tests.ClusterHost;

/// <summary>Which registered underlay address a cluster peer is reached on: a family both hosts have, the same from both sides.</summary>
public sealed class PeerAddressFamilyTests
{
    private static readonly AddressFamily V4 = AddressFamily.InterNetwork;
    private static readonly AddressFamily V6 = AddressFamily.InterNetworkV6;

    [Theory]
    [InlineData(new[] { "10.0.0.2", "fd00::2" }, true, true, "fd00::2")]
    [InlineData(new[] { "fd00::2", "10.0.0.2" }, true, true, "fd00::2")]
    [InlineData(new[] { "10.0.0.2", "fd00::2" }, true, false, "10.0.0.2")]
    [InlineData(new[] { "10.0.0.2", "fd00::2" }, false, true, "fd00::2")]
    [InlineData(new[] { "fd00::2" }, true, true, "fd00::2")]
    [InlineData(new[] { "10.0.0.2" }, false, true, "10.0.0.2")] // no shared family: its first (unreachable; IKE says so)
    public void A_peer_is_reached_on_a_shared_family_ipv6_first(string[] registered, bool weHaveV4, bool weHaveV6, string expected)
    {
        AddressFamily[] ours = [.. new[] { (weHaveV4, V4), (weHaveV6, V6) }.Where(f => f.Item1).Select(f => f.Item2)];

        Assert.Equal(IPAddress.Parse(expected), ClusterService.PeerAddress(Registration(registered), ours));
        Assert.Equal(IPAddress.Parse(expected), ClusterService.PeerAddress(Registration(registered), [.. ours.Reverse()]));
    }

    [Fact]
    public void Two_dual_stack_hosts_that_list_their_families_in_opposite_orders_meet_on_one_family()
    {
        HostRegistration a = Registration(["10.0.0.1", "fd00::1"]);
        HostRegistration b = Registration(["fd00::2", "10.0.0.2"]);

        IPAddress aSeesB = ClusterService.PeerAddress(b, [V4, V6]); // a lists IPv4 first
        IPAddress bSeesA = ClusterService.PeerAddress(a, [V6, V4]); // b lists IPv6 first
        Assert.Equal(aSeesB.AddressFamily, bSeesA.AddressFamily);
    }

    private static HostRegistration Registration(string[] underlay) => new()
    {
        Host = "peer",
        Underlay = underlay,
        IkePort = 500,
        NattPort = 4500,
        AkSha256 = "",
        Tpm = HostRegistration.TpmNone,
        Tvds = [],
        DaemonVersion = "test",
        RegisteredAt = DateTimeOffset.UtcNow,
    };
}
