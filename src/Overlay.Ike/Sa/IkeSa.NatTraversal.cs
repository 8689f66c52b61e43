using System.Net;

namespace Overlay.Ike.Sa;

/// <summary>
/// Where a CHILD_SA's ESP goes when NAT traversal is in use (RFC 7296 §2.23, RFC 3948): the IKE SA's remote
/// endpoint on the NAT-T port, as the peer's NAT mapped it.
/// </summary>
/// <param name="Remote">The peer's endpoint as we see it (address and port after its NAT).</param>
/// <param name="FollowsPeer">
/// The peer is behind a NAT and we are not: we may move to the endpoint of an authenticated, newer packet
/// (§2.23 "dynamic address update"). False when we are behind a NAT ourselves: such a host SHOULD NOT update.
/// </param>
public sealed record NatMapping(IPEndPoint Remote, bool FollowsPeer);

/// <summary>
/// NAT traversal of an established IKE SA (RFC 7296 §2.23): the endpoint its CHILD_SAs' ESP uses, the dynamic
/// address update when an authenticated new request arrives from another endpoint, and NAT-keepalives (RFC
/// 3948 §2.3) from a host behind a NAT while it has nothing else to send.
/// </summary>
public sealed partial class IkeSa
{
    private ITimer? _natKeepaliveTimer;

    /// <summary>When this SA last sent an IKE datagram (a keepalive is not needed right after one).</summary>
    internal DateTimeOffset LastSentAt { get; set; }

    /// <summary>NAT_DETECTION found a NAT on either side: ESP is UDP-encapsulated to <see cref="Remote"/>.</summary>
    public bool NatDetected => LocalBehindNat || RemoteBehindNat;

    /// <summary>Where the CHILD_SAs' ESP goes when a NAT was detected; null: the peer's configured endpoint.</summary>
    public NatMapping? NatMapping => NatDetected ? new NatMapping(Remote, RemoteBehindNat && !LocalBehindNat) : null;

    /// <summary>NAT-keepalives sent by this SA (RFC 3948 §2.3).</summary>
    public long NatKeepalivesSent => Interlocked.Read(ref _natKeepalivesSent);

    private long _natKeepalivesSent;

    /// <summary>
    /// An authenticated request (never seen before: retransmissions are answered earlier) came from
    /// <paramref name="remote"/> to <paramref name="local"/>. Replies go there from now on (§2.11). Once
    /// established, a host behind a NAT keeps its endpoints (§2.23: one packet must not redirect it); otherwise
    /// a move of an established SA is the dynamic address update, and its CHILD_SAs' ESP follows.
    /// </summary>
    internal void OnAuthenticatedRequest(IPEndPoint local, IPEndPoint remote)
    {
        if (local.Equals(Local) && remote.Equals(Remote))
        {
            return;
        }

        if (State == IkeSaState.Established && LocalBehindNat)
        {
            return;
        }

        (Local, Remote) = (local, remote);
        if (State == IkeSaState.Established && PeerIdentity is { } peer && NatMapping is { } mapping && _children.Count > 0)
        {
            Services.ChildSink.PeerMoved(peer, mapping);
        }
    }

    private void StartNatKeepalive()
    {
        TimeSpan interval = Config.NatKeepalive;
        if (!LocalBehindNat || interval <= TimeSpan.Zero || _natKeepaliveTimer is not null)
        {
            return;
        }

        _natKeepaliveTimer = Services.Time.CreateTimer(_ => OnNatKeepaliveTimerExpired(), null, interval, interval);
    }

    private void StopNatKeepalive()
    {
        _natKeepaliveTimer?.Dispose();
        _natKeepaliveTimer = null;
    }

    /// <summary>
    /// Every keepalive interval while we are behind a NAT: unless this SA sent IKE within the interval, ask the
    /// transport for a keepalive to the peer; the owner of port 4500 skips it when ESP went there meanwhile.
    /// </summary>
    internal void OnNatKeepaliveTimerExpired()
    {
        lock (Sync)
        {
            if (State != IkeSaState.Established || SupersededBy is not null || Local.Port != IkeConstants.NatTraversalPort)
            {
                return;
            }

            if (Services.Time.GetUtcNow() - LastSentAt < Config.NatKeepalive)
            {
                return;
            }

            if (Services.Sender.SendNatKeepalive(Local, Remote))
            {
                Interlocked.Increment(ref _natKeepalivesSent);
            }
        }
    }
}
