using Microsoft.Extensions.Logging;
using Overlay.Daemon.Policy;
using Overlay.Ike.Sa;
using Overlay.Labels.Compiled;

namespace Overlay.Daemon.IkeHost;

/// <summary>
/// Drives IKE towards what the policy wants, once a second: for each peer we initiate to, an IKE SA
/// and one CHILD_SA per TVD both hosts may carry (a failed one is tried again after retry_interval);
/// CHILD_SAs whose label the policy no longer allows are deleted (after a SIGHUP reload); dead peer
/// detection probes every IKE SA each dpd_interval (an unanswered probe destroys the SA and its
/// CHILD_SAs, and the next pass initiates again); and when a peer has a newer IKE SA than an old
/// one (it restarted and initiated afresh: what INITIAL_CONTACT says), the old one is deleted.
/// Everything here is idempotent: a pass that fails is simply repeated by the next.
/// </summary>
public sealed class IkeReconciler
{
    private readonly IkeSaManager _manager;
    private readonly System.Net.IPEndPoint _ikeEndpoint;
    private readonly IReadOnlyList<IkePeer> _peers;
    private readonly PolicyStore _policy;
    private readonly Configuration.IkeConfig _config;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<string, DateTimeOffset> _nextInitiate = [];
    private readonly Dictionary<(string Peer, string Label), DateTimeOffset> _nextChild = [];
    private readonly Dictionary<ulong, DateTimeOffset> _lastDpd = [];
    private readonly HashSet<uint> _revoked = [];
    private readonly HashSet<ulong> _staleSeen = [];
    private readonly HashSet<string> _warnedNotInPolicy = [];

    public IkeReconciler(IkeSaManager manager, System.Net.IPEndPoint ikeEndpoint, IReadOnlyList<IkePeer> peers, PolicyStore policy,
        Configuration.IkeConfig config, TimeProvider time, ILogger logger)
    {
        (_manager, _ikeEndpoint, _peers, _policy, _config, _time, _logger) = (manager, ikeEndpoint, peers, policy, config, time, logger);
    }

    /// <summary>One pass over every peer.</summary>
    public void Run()
    {
        CompiledPolicy policy = _policy.Engine.Policy;
        IReadOnlyList<IkeSa> all = _manager.Sas;
        DateTimeOffset now = _time.GetUtcNow();
        foreach (IkePeer peer in _peers)
        {
            try
            {
                RunPeer(peer, policy, all, now);
            }
            catch (InvalidOperationException)
            {
                // An SA's child list changed under us (its own thread installed or removed one): next pass.
            }
        }

        ForgetDestroyed(all);
    }

    private void RunPeer(IkePeer peer, CompiledPolicy policy, IReadOnlyList<IkeSa> all, DateTimeOffset now)
    {
        if (policy.FindHost(peer.Identity) is null && _warnedNotInPolicy.Add(peer.Name))
        {
            IkeLog.PeerNotInPolicy(_logger, peer.Identity);
        }

        IReadOnlyList<CompiledTvd> desired = _policy.Engine.CarriableTvds(_policy.HostName, peer.Identity);
        List<IkeSa> live = [.. all.Where(sa => sa.Remote.Address.Equals(peer.Address) && sa.SupersededBy is null
            && sa.State is IkeSaState.Created or IkeSaState.Connecting or IkeSaState.Established)];
        List<IkeSa> established = [.. live.Where(sa => sa.State == IkeSaState.Established).OrderByDescending(sa => sa.EstablishedAt)];

        ReplaceStale(peer, established);
        if (established.Count == 0)
        {
            if (live.Count == 0 && peer.Initiates && desired.Count > 0 && now >= _nextInitiate.GetValueOrDefault(peer.Name))
            {
                _nextInitiate[peer.Name] = now + _config.RetryInterval;
                _nextChild[(peer.Name, desired[0].WireLabel)] = now + _config.RetryInterval;
                IkeLog.Initiating(_logger, peer.Name, peer.Address.ToString(), desired[0].WireLabel);
                _manager.Initiate(peer.IkeConfig(desired), peer.Child(desired[0]), _ikeEndpoint,
                    new System.Net.IPEndPoint(peer.Address, _config.IkePort));
            }

            return;
        }

        IkeSa current = established[0];
        RevokeChildren(peer, desired, established);
        if (peer.Initiates)
        {
            CreateMissingChildren(peer, current, desired, now);
        }

        Probe(established, now);
    }

    /// <summary>A second established IKE SA with the same peer, seen on two passes in a row, means the older one is stale.</summary>
    private void ReplaceStale(IkePeer peer, List<IkeSa> established)
    {
        foreach (IkeSa old in established.Skip(1))
        {
            if (!_staleSeen.Add(old.LocalSpi))
            {
                IkeLog.Replaced(_logger, peer.Name, $"{old.InitiatorSpi:x16}_i");
                old.Delete();
            }
        }

        if (established.Count > 1)
        {
            established.RemoveRange(1, established.Count - 1);
        }
    }

    private void RevokeChildren(IkePeer peer, IReadOnlyList<CompiledTvd> desired, List<IkeSa> established)
    {
        foreach (IkeSa sa in established)
        {
            foreach (ChildSa child in sa.Children.ToArray())
            {
                if (desired.Any(tvd => tvd.WireLabel == child.Label))
                {
                    continue;
                }

                if (_revoked.Add(child.InboundSpi))
                {
                    IkeLog.ChildRevoked(_logger, peer.Name, child.Label);
                    sa.DeleteChildSa(child);
                }
            }
        }
    }

    private void CreateMissingChildren(IkePeer peer, IkeSa sa, IReadOnlyList<CompiledTvd> desired, DateTimeOffset now)
    {
        HashSet<string> present = [.. sa.Children.Select(c => c.Label)];
        foreach (CompiledTvd tvd in desired)
        {
            var key = (peer.Name, tvd.WireLabel);
            if (present.Contains(tvd.WireLabel) || now < _nextChild.GetValueOrDefault(key))
            {
                continue;
            }

            _nextChild[key] = now + _config.RetryInterval;
            sa.CreateChildSa(peer.Child(tvd));
        }
    }

    private void Probe(List<IkeSa> established, DateTimeOffset now)
    {
        if (_config.DpdInterval <= TimeSpan.Zero)
        {
            return;
        }

        foreach (IkeSa sa in established)
        {
            DateTimeOffset last = _lastDpd.TryGetValue(sa.LocalSpi, out DateTimeOffset at) ? at : sa.EstablishedAt ?? now;
            if (now - last >= _config.DpdInterval)
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
    }
}
