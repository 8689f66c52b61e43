using System.Net;
using Overlay.Ike.Sa;

namespace Overlay.Ike.Peers;

/// <summary>
/// Drives IKE towards what the policy wants, one pass at a time (the daemon runs one a second): for each peer we
/// initiate to, an IKE SA and one CHILD_SA per TVD the policy wants (a failed one is tried again after the retry
/// interval); CHILD_SAs the policy no longer lets stay — after a reload, or when the peer's evidence fails or
/// ages past its TVD's bound — are deleted; attested IKE is kept fresh on every established SA
/// (<see cref="IkeSa.MaintainAttestation"/>); dead peer detection probes every IKE SA each DPD interval (an
/// unanswered probe destroys the SA and its CHILD_SAs, and the next pass initiates again); and when a peer has
/// a newer IKE SA than an old one (it restarted and initiated afresh: what INITIAL_CONTACT says), the old one is
/// deleted. A half-open SA the peer's address started with us never holds our initiation back (it may be spoofed).
/// The peer list may change between passes (<see cref="UpdatePeers"/>: a cluster's inventory): a peer that leaves it —
/// or comes back at another address or identity — has its IKE SAs (and with them their CHILD_SAs) deleted on the next
/// pass, whichever side started them, and everything the reconciler remembered of it forgotten.
/// Every pass is idempotent: one that fails is repeated by the next. Not thread-safe: one caller (<see cref="UpdatePeers"/>
/// may be called from another thread; the next pass takes the new list).
/// </summary>
public sealed class PeerReconciler
{
    private readonly IkeSaManager _manager;
    private readonly IPEndPoint _ikeEndpoint;
    private volatile IReadOnlyList<IkePeerTarget> _pendingPeers;
    private IReadOnlyList<IkePeerTarget> _peers;
    private readonly List<IkePeerTarget> _departed = [];
    private readonly IPeerPolicy _policy;
    private readonly IPeerReconcilerEvents _events;
    private readonly ReconcilerOptions _options;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, DateTimeOffset> _nextInitiate = [];
    private readonly Dictionary<(string Peer, string Label), DateTimeOffset> _nextChild = [];
    private readonly Dictionary<(string Peer, string Label), int> _childAttempts = [];
    private readonly Dictionary<ulong, DateTimeOffset> _lastDpd = [];
    private readonly HashSet<uint> _revoked = [];
    private readonly HashSet<ulong> _staleSeen = [];

    public PeerReconciler(IkeSaManager manager, IPEndPoint ikeEndpoint, IReadOnlyList<IkePeerTarget> peers, IPeerPolicy policy,
        IPeerReconcilerEvents events, ReconcilerOptions options, TimeProvider time)
    {
        (_manager, _ikeEndpoint, _peers, _policy, _events, _options, _time) = (manager, ikeEndpoint, peers, policy, events, options, time);
        _pendingPeers = peers;
    }

    /// <summary>
    /// Our IKE endpoints, one per family, when there are several (a dual-stack host): a peer is initiated from the
    /// one of its family. Empty: every peer from the endpoint given at construction.
    /// </summary>
    public IReadOnlyList<IPEndPoint> LocalEndpoints { get; init; } = [];

    private IPEndPoint LocalFor(System.Net.IPAddress remote)
    {
        foreach (IPEndPoint local in LocalEndpoints)
        {
            if (local.AddressFamily == remote.AddressFamily)
            {
                return local;
            }
        }

        return _ikeEndpoint;
    }

    /// <summary>The peers the next pass works towards; the one that leaves the list loses its IKE SAs on that pass.</summary>
    public void UpdatePeers(IReadOnlyList<IkePeerTarget> peers) => _pendingPeers = peers;

    /// <summary>The peer list of the last pass.</summary>
    public IReadOnlyList<IkePeerTarget> Peers => _peers;

    /// <summary>One pass over every peer.</summary>
    public void Run()
    {
        TakePeerList();
        IReadOnlyList<IkeSa> all = _manager.Sas;
        DateTimeOffset now = _time.GetUtcNow();
        DeleteDeparted(all);
        foreach (IkePeerTarget peer in _peers)
        {
            try
            {
                RunPeer(peer, all, now);
            }
            catch (InvalidOperationException)
            {
                // An SA's child list changed under us (its own thread installed or removed one): next pass.
            }
        }

        try
        {
            ForgetDestroyed(all);
        }
        catch (InvalidOperationException)
        {
            // As above: a child list changed while read; forgotten next pass.
        }
    }

    /// <summary>
    /// Takes a new list when one was given: a target no longer in it (by name, address, port and identity) is departed.
    /// A name that comes back as it was before its SAs went is simply a peer again.
    /// </summary>
    private void TakePeerList()
    {
        IReadOnlyList<IkePeerTarget> next = _pendingPeers;
        if (ReferenceEquals(next, _peers))
        {
            return;
        }

        HashSet<IkePeerTarget> kept = [.. next];
        foreach (IkePeerTarget gone in _peers.Where(p => !kept.Contains(p)))
        {
            _departed.Add(gone);
            _nextInitiate.Remove(gone.Name);
            foreach (var key in _nextChild.Keys.Where(k => k.Peer == gone.Name).ToList())
            {
                _nextChild.Remove(key);
                _childAttempts.Remove(key);
            }
        }

        _departed.RemoveAll(kept.Contains);
        _peers = next;
    }

    /// <summary>
    /// Deletes every IKE SA of a departed peer (its address, or its proven identity when its address changed) that
    /// no current peer owns; a departed peer is forgotten once none is left. Deleting an IKE SA deletes its CHILD_SAs
    /// (RFC 7296 §1.4.1), which the sink takes out of the data plane.
    /// </summary>
    private void DeleteDeparted(IReadOnlyList<IkeSa> all)
    {
        if (_departed.Count == 0)
        {
            return;
        }

        for (int i = _departed.Count - 1; i >= 0; i--)
        {
            IkePeerTarget gone = _departed[i];
            List<IkeSa> theirs = [.. all.Where(sa => sa.State is not (IkeSaState.Destroyed or IkeSaState.Deleting) && IsOf(sa, gone)
                && !_peers.Any(p => IsOf(sa, p)))];
            foreach (IkeSa sa in theirs)
            {
                _events.Departed(gone, sa);
                sa.Delete();
            }

            if (theirs.Count == 0 && !all.Any(sa => sa.State == IkeSaState.Deleting && IsOf(sa, gone)))
            {
                _departed.RemoveAt(i);
            }
        }
    }

    private static bool IsOf(IkeSa sa, IkePeerTarget peer) =>
        sa.PeerIdentity is { } id ? id.Equals(peer.Identity) && (sa.Remote.Address.Equals(peer.Address) || sa.NatMapping is not null)
            : sa.Remote.Address.Equals(peer.Address);

    private void RunPeer(IkePeerTarget peer, IReadOnlyList<IkeSa> all, DateTimeOffset now)
    {
        // What stops us initiating: an established SA, or one we are setting up ourselves. A responder's half-open SA
        // does not: anyone who can spoof the peer's address can make one, and it would block the tunnel until it expired.
        List<IkeSa> live = [.. all.Where(sa => sa.Remote.Address.Equals(peer.Address) && sa.SupersededBy is null
            && (sa.State == IkeSaState.Established || (sa.IsOriginalInitiator && sa.State is IkeSaState.Created or IkeSaState.Connecting)))];
        List<IkeSa> established = [.. live.Where(sa => sa.State == IkeSaState.Established).OrderByDescending(sa => sa.EstablishedAt)];

        ReplaceStale(peer, established);
        if (established.Count == 0)
        {
            if (live.Count == 0 && peer.Initiates && now >= _nextInitiate.GetValueOrDefault(peer.Name)
                && _policy.Wanted(peer, null) is { Count: > 0 } wanted)
            {
                _nextInitiate[peer.Name] = now + _options.RetryInterval;
                _nextChild[(peer.Name, wanted[0].Label ?? "")] = now + _options.RetryInterval;
                _events.Initiating(peer, wanted[0].Label ?? "");
                _manager.Initiate(_policy.IkeConfig(peer, wanted), wanted[0], LocalFor(peer.Address), new IPEndPoint(peer.Address, peer.IkePort));
            }

            return;
        }

        RevokeChildren(peer, established);
        IkeSa current = established[0];
        current.MaintainAttestation();
        if (peer.Initiates)
        {
            CreateMissingChildren(peer, current, now);
        }

        Probe(established, now);
    }

    /// <summary>A second established IKE SA with the same peer, seen on two passes in a row, means the older one is stale.</summary>
    private void ReplaceStale(IkePeerTarget peer, List<IkeSa> established)
    {
        foreach (IkeSa old in established.Skip(1))
        {
            if (!_staleSeen.Add(old.LocalSpi))
            {
                _events.Replaced(peer, old);
                old.Delete();
            }
        }

        if (established.Count > 1)
        {
            established.RemoveRange(1, established.Count - 1);
        }
    }

    private void RevokeChildren(IkePeerTarget peer, List<IkeSa> established)
    {
        foreach (IkeSa sa in established)
        {
            foreach (ChildSa child in sa.Children.ToArray())
            {
                if (_revoked.Contains(child.InboundSpi) || _policy.MayKeep(peer, child, sa.PeerAttestation) is not { Allowed: false } verdict)
                {
                    continue;
                }

                _revoked.Add(child.InboundSpi);
                string reason = verdict.Reason ?? "not allowed";
                _events.ChildRevoked(peer, child.Label, reason);
                sa.DeleteChildSa(child, refusal: reason);
            }
        }
    }

    /// <summary>
    /// Asks for each wanted CHILD_SA that is missing. One the peer keeps refusing (its policy, or what it makes of our
    /// evidence) is asked again after the retry interval, doubled with each refusal up to eight times it — every
    /// refusal is a decision the peer audits — and at the retry interval again once one was up.
    /// </summary>
    private void CreateMissingChildren(IkePeerTarget peer, IkeSa sa, DateTimeOffset now)
    {
        HashSet<string> present = [.. sa.Children.Select(c => c.Label)];
        foreach (ChildSaConfig child in _policy.Wanted(peer, sa))
        {
            var key = (peer.Name, child.Label ?? "");
            if (present.Contains(key.Item2))
            {
                _childAttempts.Remove(key);
                continue;
            }

            if (now < _nextChild.GetValueOrDefault(key))
            {
                continue;
            }

            int attempts = _childAttempts.GetValueOrDefault(key);
            _childAttempts[key] = attempts + 1;
            _nextChild[key] = now + _options.RetryInterval * (1 << Math.Min(attempts, 3));
            sa.CreateChildSa(child);
        }
    }

    private void Probe(List<IkeSa> established, DateTimeOffset now)
    {
        if (_options.DpdInterval <= TimeSpan.Zero)
        {
            return;
        }

        foreach (IkeSa sa in established)
        {
            DateTimeOffset last = _lastDpd.TryGetValue(sa.LocalSpi, out DateTimeOffset at) ? at : sa.EstablishedAt ?? now;
            if (now - last >= _options.DpdInterval)
            {
                _lastDpd[sa.LocalSpi] = now;
                sa.CheckLiveness();
            }
        }
    }

    private void ForgetDestroyed(IReadOnlyList<IkeSa> all)
    {
        HashSet<ulong> alive = [.. all.Where(sa => sa.State != IkeSaState.Destroyed).Select(sa => sa.LocalSpi)];
        foreach (ulong spi in _lastDpd.Keys.Where(k => !alive.Contains(k)).ToList())
        {
            _lastDpd.Remove(spi);
        }

        _staleSeen.RemoveWhere(spi => !alive.Contains(spi));
        HashSet<uint> inbound = [.. all.SelectMany(sa => sa.Children).Select(c => c.InboundSpi)];
        _revoked.RemoveWhere(spi => !inbound.Contains(spi));
    }
}
