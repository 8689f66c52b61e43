using System.Net;
using Overlay.DataPlane.Io;

namespace Overlay.DataPlane.Forwarding;

/// <summary>
/// One (peer host, TVD) tunnel: a remote endpoint of the TVD's switch. Frames switched to it are sealed
/// with the newest outbound SA of that (peer, TVD) in the <see cref="Sa.SaTable"/>; frames opened by an
/// inbound SA of the same (peer, TVD) enter the switch from it.
/// </summary>
public sealed class Tunnel
{
    internal Tunnel(int id, string peerName, IPEndPoint peer, ushort vlanId, string tvdLabel)
    {
        Id = id;
        PeerName = peerName;
        Peer = peer;
        Address = UdpAddress.From(peer);
        VlanId = vlanId;
        TvdLabel = tvdLabel;
    }

    public int Id { get; }

    public string PeerName { get; }

    /// <summary>The peer's underlay endpoint; also the key of its SAs in the SA table.</summary>
    public IPEndPoint Peer { get; }

    internal UdpAddress Address { get; }

    public ushort VlanId { get; }

    public string TvdLabel { get; }
}
