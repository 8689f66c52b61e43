using System.Net;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Forwarding;
using Overlay.DataPlane.Sa;

namespace Overlay.Daemon.DataPlaneHost;

/// <summary>
/// The (peer, TVD) tunnel an SA belongs to, the same whoever keys it: IKE's CHILD_SAs
/// (<c>IkeHost.DataPlaneChildSink</c>) and static <c>[[dataplane.sa]]</c> (<see cref="DataPlaneService"/>).
/// An etherip tunnel is a switch endpoint of the TVD; an ip-mode tunnel is not, and guest packets reach it
/// by destination instead: each remote range (the CHILD_SA's TSr, or the SA's <c>remote_ts</c>) becomes
/// a route of the TVD into it, as <c>ip xfrm policy ... dir out</c> would select them, and each local
/// range (TSi, <c>local_ts</c>) the sources it may carry and the destinations it may deliver to.
/// </summary>
public static class TvdTunnels
{
    /// <summary>
    /// Adds (or finds) the tunnel; in mode ip also routes <paramref name="remoteRanges"/> of the TVD into it
    /// and binds it to <paramref name="localRanges"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A range mixes address families or ends before it starts.</exception>
    public static Tunnel Open(Pipeline pipeline, string peerName, IPEndPoint peer, ushort vlanId, string tvdLabel, InnerMode mode,
        IEnumerable<(IPAddress Start, IPAddress End)> localRanges, IEnumerable<(IPAddress Start, IPAddress End)> remoteRanges)
    {
        if (mode != InnerMode.Ip)
        {
            return pipeline.AddTunnel(peerName, peer, vlanId, tvdLabel);
        }

        Tunnel tunnel = pipeline.AddIpTunnel(peerName, peer, vlanId, tvdLabel);
        foreach ((IPAddress start, IPAddress end) in remoteRanges)
        {
            pipeline.IpRouter.AddRoute(vlanId, start, end, tunnel.Id);
        }

        foreach ((IPAddress start, IPAddress end) in localRanges)
        {
            pipeline.IpRouter.AddLocalRange(tunnel.Id, start, end);
        }

        return tunnel;
    }
}
