using System.Buffers.Binary;
using System.Net;
using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Frames;
using Overlay.DataPlane.Io;
using Overlay.DataPlane.Pools;

namespace Overlay.DataPlane.Forwarding;

/// <summary>
/// Inner mode <c>ip</c> (see <see cref="IpTunnelRouter"/>): tunnels to standard IPsec peers are not
/// switch endpoints (no Ethernet crosses them); guest IP packets reach them by destination route,
/// ARP and IPv6 neighbour solicitations for the remote addresses are answered here, and decrypted IP packets are wrapped in Ethernet
/// for the guest. The hooks in the port, send and underlay loops call into this file only when the
/// frame or SA is of this kind, so the EtherIP path is unchanged.
/// </summary>
public sealed partial class Pipeline
{
    private readonly IpTunnelRouter _ipRouter = new();

    /// <summary>Routes and neighbors of the IP-mode tunnels.</summary>
    public IpTunnelRouter IpRouter => _ipRouter;

    /// <summary>
    /// Adds (or returns) the IP-mode tunnel of TVD <paramref name="vlanId"/> to a standard peer. It is not
    /// attached to the switch; <see cref="IpTunnelRouter.AddRoute"/> sends traffic into it.
    /// </summary>
    public Tunnel AddIpTunnel(string peerName, IPEndPoint peer, ushort vlanId, string tvdLabel)
    {
        lock (_configLock)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            if (_tunnelsByKey.TryGetValue(new TunnelKey(peer, vlanId), out Tunnel? existing))
            {
                return existing;
            }

            var tunnel = new Tunnel(_tunnels.Length, peerName, peer, vlanId, tvdLabel);
            Volatile.Write(ref _tunnels, [.. _tunnels, tunnel]);
            _tunnelsByKey[new TunnelKey(peer, vlanId)] = tunnel;
            PipelineLog.TunnelAdded(_logger, tunnel.Id, peerName, peer.ToString(), tvdLabel, vlanId);
            return tunnel;
        }
    }

    /// <summary>
    /// A guest frame that the router consumes: an ARP request for an address behind a tunnel of the
    /// port's TVD (answered), or an IP packet routed into such a tunnel (sealed without its Ethernet
    /// header). False leaves the frame to the switch.
    /// </summary>
    private bool TryRouteGuestFrame(GuestPort port, ReadOnlySpan<byte> frame, SealedBatch sealedBatch)
    {
        if (frame.Length < EthernetFrame.HeaderLength)
        {
            return false;
        }

        ushort type = EthernetFrame.EtherType(frame);
        if (type == EthernetFrame.EtherTypeArp)
        {
            return TryAnswerArp(port, frame);
        }

        if (type is not (EthernetFrame.EtherTypeIPv4 or EthernetFrame.EtherTypeIPv6))
        {
            return false;
        }

        if (type == EthernetFrame.EtherTypeIPv6 && NdResponder.IsNeighborDiscovery(frame))
        {
            return TryAnswerNeighborDiscovery(port, frame); // link-scoped: never routed into a tunnel
        }

        ReadOnlySpan<byte> ip = frame[EthernetFrame.HeaderLength..];
        int tunnelId = _ipRouter.Lookup(port.VlanId, ip);
        if (tunnelId < 0)
        {
            return false;
        }

        if (!_ipRouter.AllowsOutbound(tunnelId, ip))
        {
            port.Drops.Increment(DropReason.SelectorMismatch); // a source the tunnel's TSi does not cover
            return true;
        }

        bool v6 = type == EthernetFrame.EtherTypeIPv6;
        _ipRouter.Learn(port.VlanId, v6, IpTunnelRouter.Source(ip, v6), port.Id, EthernetFrame.Source(frame));
        SealForTunnel(tunnelId, ip, sealedBatch);
        return true;
    }

    private bool TryAnswerArp(GuestPort port, ReadOnlySpan<byte> frame)
    {
        if (!ArpResponder.TryParseRequest(frame, out MacAddress asker, out ReadOnlySpan<byte> askerIp, out ReadOnlySpan<byte> target)
            || !_ipRouter.CoversIPv4(port.VlanId, target))
        {
            return false;
        }

        _ipRouter.Learn(port.VlanId, false, askerIp, port.Id, asker);
        Span<byte> reply = stackalloc byte[ArpResponder.FrameLength];
        ArpResponder.WriteReply(reply, IpTunnelRouter.RouterMac, target, asker, askerIp);
        DeliverToGuest(port, reply);
        return true;
    }

    /// <summary>
    /// A neighbour solicitation for an address behind a tunnel of the port's TVD is answered with the
    /// router's MAC (<see cref="NdResponder"/>); an advertisement (or solicitation) from a guest teaches the
    /// router where that guest's address is, when the address lies in a tunnel's local range. Everything
    /// but an answered solicitation is left to the switch.
    /// </summary>
    private bool TryAnswerNeighborDiscovery(GuestPort port, ReadOnlySpan<byte> frame)
    {
        if (NdResponder.TryParseSolicitation(frame, out MacAddress asker, out ReadOnlySpan<byte> askerIp, out ReadOnlySpan<byte> target))
        {
            if (askerIp.IndexOfAnyExcept((byte)0) >= 0 && _ipRouter.IsLocal(askerIp)) // not duplicate address detection (::)
            {
                _ipRouter.Learn(port.VlanId, true, askerIp, port.Id, asker);
            }

            if (!_ipRouter.CoversIPv6(port.VlanId, target))
            {
                return false;
            }

            Span<byte> reply = stackalloc byte[NdResponder.AdvertisementFrameLength];
            NdResponder.WriteProxyAdvertisement(reply, IpTunnelRouter.RouterMac, target, asker, askerIp);
            DeliverToGuest(port, reply);
            return true;
        }

        if (NdResponder.TryParseAdvertisement(frame, out _, out ReadOnlySpan<byte> advertised, out MacAddress mac) && _ipRouter.IsLocal(advertised))
        {
            _ipRouter.Learn(port.VlanId, true, advertised, port.Id, mac);
        }

        return false;
    }

    /// <summary>Stage 5 for an IP-mode SA: the packet is a bare IP packet.</summary>
    private static int SealIpInto(EspSa sa, ReadOnlySpan<byte> ipPacket, PacketBuffer packet)
    {
        if (IpTunnel.Encapsulate(sa, ipPacket, packet.Data, out int written) != DropReason.None)
        {
            return 0; // counted on the SA
        }

        packet.Length = written;
        return 1;
    }

    /// <summary>
    /// Stages 10–12 for an IP-mode SA: open, put an Ethernet header in the 16 bytes of headroom before
    /// the inner packet, deliver to the guest that owns the destination (or flood the TVD's ports when
    /// that guest has not been seen yet).
    /// </summary>
    private void OnIpEsp(EspSa sa, Span<byte> packet, UdpAddress source, uint sequenceLow)
    {
        if (IpTunnel.Decapsulate(sa, packet, out Span<byte> ip) != DropReason.None || ip.IsEmpty)
        {
            return;
        }

        Sas.OnAuthenticated(sa);
        Underlay.OnOpened();

        if (!_tunnelsByKey.TryGetValue(new TunnelKey(sa.Descriptor.Peer, sa.TvdVlanId), out Tunnel? tunnel))
        {
            sa.Drops.Increment(DropReason.UnknownTunnel);
            return;
        }

        FollowPeer(tunnel, sa, source, sequenceLow);
        if (!_ipRouter.AllowsInbound(tunnel.Id, ip))
        {
            sa.Drops.Increment(DropReason.SelectorMismatch); // authenticated, but outside what was negotiated
            return;
        }

        if (ip.Length > Options.Mtu)
        {
            sa.Drops.Increment(DropReason.Oversized);
            return;
        }

        Span<byte> frame = packet.Slice(EspConstants.PayloadOffset - EthernetFrame.HeaderLength, EthernetFrame.HeaderLength + ip.Length);
        ushort type = ip[0] >> 4 == 6 ? EthernetFrame.EtherTypeIPv6 : EthernetFrame.EtherTypeIPv4;
        IpTunnelRouter.RouterMac.Write(frame[EthernetFrame.SourceOffset..]);
        BinaryPrimitives.WriteUInt16BigEndian(frame[EthernetFrame.EtherTypeOffset..], type);
        GuestPort[] ports = Volatile.Read(ref _ports);
        if (_ipRouter.TryGetNeighbor(sa.TvdVlanId, ip, out int portId, out MacAddress mac) && portId < ports.Length)
        {
            mac.Write(frame);
            DeliverToGuest(ports[portId], frame);
            return;
        }

        MacAddress.Broadcast.Write(frame);
        foreach (GuestPort port in ports)
        {
            if (port.VlanId == sa.TvdVlanId)
            {
                DeliverToGuest(port, frame);
            }
        }
    }
}
