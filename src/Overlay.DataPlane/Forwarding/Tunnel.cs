using System.Net;
using Overlay.DataPlane.Io;

namespace Overlay.DataPlane.Forwarding;

/// <summary>
/// One (peer host, TVD) tunnel: a remote endpoint of the TVD's switch. Frames switched to it are sealed
/// with the newest outbound SA of that (peer, TVD) in the <see cref="Sa.SaTable"/>; frames opened by an
/// inbound SA of the same (peer, TVD) enter the switch from it.
/// <para>
/// <see cref="Peer"/> names the tunnel (the configured endpoint, its SAs' key); <see cref="Remote"/> is where
/// its ESP goes. They differ behind a NAT (RFC 3948, RFC 7296 §2.23): the key exchange sets the NAT-mapped
/// endpoint it learned, and, when the peer is the one behind the NAT (<see cref="FollowsPeer"/>), an
/// authenticated ESP packet that is the newest of its SA and comes from another address or port moves it.
/// </para>
/// </summary>
public sealed class Tunnel
{
    // The remote endpoint in an immutable box, so the port loops read it with one reference load while IKE
    // or the receive loop moves it (an IPv6 endpoint does not fit one atomic word); a move allocates a box.
    private RemoteBox _remote;

    internal Tunnel(int id, string peerName, IPEndPoint peer, ushort vlanId, string tvdLabel)
    {
        Id = id;
        PeerName = peerName;
        Peer = peer;
        _remote = new RemoteBox(UdpAddress.From(peer));
        VlanId = vlanId;
        TvdLabel = tvdLabel;
    }

    public int Id { get; }

    public string PeerName { get; }

    /// <summary>The peer's configured underlay endpoint: the tunnel's name and the key of its SAs in the SA table.</summary>
    public IPEndPoint Peer { get; }

    /// <summary>Where this tunnel's ESP goes now: <see cref="Peer"/>, or the NAT-mapped endpoint learned for it.</summary>
    public IPEndPoint Remote => Address.ToEndPoint();

    /// <summary>
    /// True when the peer is behind a NAT and we are not: an authenticated, newest ESP packet from another
    /// endpoint moves <see cref="Remote"/> there (RFC 7296 §2.23). False for static SAs and when we are the
    /// one behind the NAT (a host behind a NAT must not follow: one packet could redirect it).
    /// </summary>
    public bool FollowsPeer { get; internal set; }

    /// <summary>How often <see cref="Remote"/> moved after the tunnel was opened.</summary>
    public long RemoteUpdates => Interlocked.Read(ref _remoteUpdates);

    private long _remoteUpdates;

    internal UdpAddress Address => Volatile.Read(ref _remote).Value;

    /// <summary>Outbound packets counted at the last keepalive decision (Pipeline.NatKeepalive.cs).</summary>
    internal long PacketsAtKeepaliveCheck { get; set; }

    public ushort VlanId { get; }

    public string TvdLabel { get; }

    /// <summary>Moves the remote endpoint; false when it is there already.</summary>
    internal bool SetRemote(UdpAddress remote)
    {
        RemoteBox current = Volatile.Read(ref _remote);
        RemoteBox? box = null; // only when it moves
        while (current.Value != remote)
        {
            box ??= new RemoteBox(remote);
            RemoteBox seen = Interlocked.CompareExchange(ref _remote, box, current);
            if (ReferenceEquals(seen, current))
            {
                Interlocked.Increment(ref _remoteUpdates);
                return true;
            }

            current = seen;
        }

        return false;
    }

    private sealed record RemoteBox(UdpAddress Value);
}
