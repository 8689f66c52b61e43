using System.Net;
using Overlay.DataPlane.Io;

namespace Overlay.DataPlane.Tests.Io;

/// <summary>
/// The AF_XDP underlay's next-hop table against the real rtnetlink of this host (on lo; no XDP needed): the
/// destinations it resolves include every source an IKE reply goes to, which are unauthenticated, so the table
/// and the resolver's work stay bounded and idle destinations go.
/// Not run beside <see cref="XdpUnderlayTests"/>, whose timing of the first resolution it would disturb.
/// </summary>
[Collection(nameof(XdpUnderlayTests))]
public sealed class XdpUnderlayNextHopsTests
{
    private static readonly UdpAddress Local = UdpAddress.From(IPAddress.Loopback, 4500);

    [Fact]
    public void A_flood_of_distinct_destinations_resolves_at_most_the_bound_and_the_rest_go_through_the_kernel()
    {
        using var hops = new XdpUnderlayNextHops(1, "lo", new byte[6], Local);
        for (uint i = 0; i < 3 * XdpUnderlayNextHops.MaxDestinations; i++)
        {
            Assert.Null(hops.Lookup(Destination(i))); // unknown: sent through the kernel meanwhile
        }

        WaitForPasses(hops, 2);
        for (uint i = 0; i < 3 * XdpUnderlayNextHops.MaxDestinations; i++)
        {
            hops.Lookup(Destination(i)); // the flood goes on: still no growth past the bound
        }

        WaitForPasses(hops, 2);
        Assert.InRange(hops.Snapshot.Count, 1, XdpUnderlayNextHops.MaxDestinations);
    }

    [Fact]
    public void A_destination_no_send_uses_for_the_idle_passes_is_dropped_and_one_in_use_stays()
    {
        using var hops = new XdpUnderlayNextHops(1, "lo", new byte[6], Local, idlePasses: 5);
        uint used = Destination(1);
        uint idle = Destination(2);
        hops.Lookup(used);
        hops.Lookup(idle);
        WaitForPasses(hops, 2); // a pass under way when they were queued may not have seen them
        Assert.True(hops.Snapshot.ContainsKey(idle));

        long deadline = Environment.TickCount64 + 15_000;
        while (hops.Snapshot.ContainsKey(idle) && Environment.TickCount64 < deadline)
        {
            hops.Lookup(used);
            Thread.Sleep(50);
        }

        Assert.False(hops.Snapshot.ContainsKey(idle));
        Assert.True(hops.Snapshot.ContainsKey(used));
    }

    /// <summary>Addresses in 198.18.0.0/15 (benchmarking), in network byte order as the send path passes them.</summary>
    private static uint Destination(uint i) =>
        UdpAddress.From(new IPAddress([198, (byte)(18 + ((i >> 16) & 1)), (byte)(i >> 8), (byte)i]), 4500).AddressNetworkOrder;

    private static void WaitForPasses(XdpUnderlayNextHops hops, int passes)
    {
        long target = hops.Passes + passes;
        long deadline = Environment.TickCount64 + 30_000;
        while (hops.Passes < target && Environment.TickCount64 < deadline)
        {
            Thread.Sleep(20);
        }

        Assert.True(hops.Passes >= target, "the resolver made no pass");
    }
}
