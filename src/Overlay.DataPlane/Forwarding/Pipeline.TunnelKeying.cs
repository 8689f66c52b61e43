using System.Net;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Io;
using Overlay.DataPlane.Sa;

namespace Overlay.DataPlane.Forwarding;

public sealed partial class Pipeline : ITunnelKeyer
{
    /// <summary>
    /// How long the inbound SA of a rekeyed CHILD_SA still opens packets after its DELETE (strongSwan's
    /// delete_rekeyed_delay is 5 s too): at full load a few milliseconds of the peer's traffic are in
    /// flight on the old SA when the DELETE arrives.
    /// </summary>
    public static readonly TimeSpan RekeyedInboundGrace = TimeSpan.FromSeconds(5);

    /// <inheritdoc/>
    /// <remarks>
    /// An etherip tunnel is a switch endpoint of the TVD; an ip-mode tunnel is not, and guest packets reach
    /// it by destination: each remote range becomes a route of the TVD into it, as
    /// <c>ip xfrm policy ... dir out</c> would select them, and each local range the sources it may carry
    /// and the destinations it may deliver to. SAs are installed in the order given (IKE gives inbound
    /// first, so the new pair can promote its outbound SA on the first packet the peer sends on it).
    /// </remarks>
    public TunnelKeyingResult Install(TunnelKeying keying)
    {
        ArgumentNullException.ThrowIfNull(keying);
        if (keying.Validate() is { } problem)
        {
            return TunnelKeyingResult.Refused(problem);
        }

        SaDescriptor first = keying.Sas[0];
        Tunnel tunnel;
        try
        {
            tunnel = OpenTunnel(keying, first);
        }
        catch (InvalidOperationException e)
        {
            return TunnelKeyingResult.Refused(e.Message); // the switch refused the TVD, or the pipeline stopped
        }

        for (int i = 0; i < keying.Sas.Count; i++)
        {
            SaDescriptor sa = keying.Sas[i];
            SaInstallResult result = Sas.Install(sa);
            if (result != SaInstallResult.Installed)
            {
                for (int j = 0; j < i; j++)
                {
                    Sas.Remove(keying.Sas[j].Spi, keying.Sas[j].Direction); // none or all: no half-keyed CHILD_SA
                }

                string direction = sa.Direction == SaDirection.Inbound ? "inbound" : "outbound";
                return TunnelKeyingResult.Refused($"{direction} SA 0x{sa.Spi:x8}: {DescribeRefusal(result, sa)}");
            }
        }

        tunnel.FollowsPeer = keying.FollowsPeer;
        if (tunnel.SetRemote(UdpAddress.From(keying.Remote ?? first.Peer)))
        {
            PipelineLog.TunnelRemoteMoved(_logger, tunnel.PeerName, tunnel.TvdLabel, tunnel.Remote.ToString(), "key exchange");
        }

        return new TunnelKeyingResult(true, null, tunnel);
    }

    /// <inheritdoc/>
    public int UpdateRemote(IPEndPoint peer, IPEndPoint remote, bool followsPeer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(remote);
        var address = UdpAddress.From(remote);
        int moved = 0;
        foreach (Tunnel tunnel in Volatile.Read(ref _tunnels))
        {
            if (!tunnel.Peer.Equals(peer))
            {
                continue;
            }

            tunnel.FollowsPeer = followsPeer;
            if (tunnel.SetRemote(address))
            {
                moved++;
                PipelineLog.TunnelRemoteMoved(_logger, tunnel.PeerName, tunnel.TvdLabel, remote.ToString(), "key exchange");
            }
        }

        return moved;
    }

    /// <inheritdoc/>
    public void Remove(uint inboundSpi, uint outboundSpi, SaRemoval how)
    {
        if (outboundSpi != 0)
        {
            Sas.Remove(outboundSpi, SaDirection.Outbound);
        }

        if (inboundSpi != 0)
        {
            if (how == SaRemoval.Rekeyed)
            {
                Sas.RetireInbound(inboundSpi, RekeyedInboundGrace);
            }
            else
            {
                Sas.Remove(inboundSpi, SaDirection.Inbound);
            }
        }
    }

    private Tunnel OpenTunnel(TunnelKeying keying, SaDescriptor sa)
    {
        if (sa.InnerMode != InnerMode.Ip)
        {
            return AddTunnel(keying.PeerName, sa.Peer, sa.TvdVlanId, sa.TvdLabel);
        }

        Tunnel tunnel = AddIpTunnel(keying.PeerName, sa.Peer, sa.TvdVlanId, sa.TvdLabel);
        foreach (AddressRange range in keying.RemoteRanges)
        {
            IpRouter.AddRoute(sa.TvdVlanId, range.First, range.Last, tunnel.Id);
        }

        foreach (AddressRange range in keying.LocalRanges)
        {
            IpRouter.AddLocalRange(tunnel.Id, range.First, range.Last);
        }

        return tunnel;
    }

    private static string DescribeRefusal(SaInstallResult result, SaDescriptor sa) => result switch
    {
        SaInstallResult.Invalid => sa.Validate() ?? "invalid",
        SaInstallResult.DuplicateSpi => "an SA with this SPI and direction is installed already",
        _ => result.ToString(),
    };
}
