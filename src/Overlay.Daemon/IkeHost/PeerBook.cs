using System.Collections.Frozen;
using System.Net;

namespace Overlay.Daemon.IkeHost;

/// <summary>A host of the cluster's inventory IKE should key tunnels with (what <c>ClusterHost</c> admitted).</summary>
/// <param name="Port">Its data plane (ESP in UDP, NAT-T) port.</param>
/// <param name="IkePort">Its plain IKE port.</param>
public sealed record DynamicPeer(string Name, IPAddress Address, int Port, int IkePort);

/// <summary>
/// The peers IKE works with, as one immutable snapshot swapped whole: the configured <c>[[dataplane.peer]]</c>s, which
/// never change, and the cluster's admitted hosts (<see cref="SetDynamic"/>), which do. Read without a lock by the
/// responder lookup, the CHILD_SA sink, the failure log, the peer policy, status and metrics; each reader sees an old
/// or a new book, never a mix. A cluster host whose name or address a configured peer has is left out (the configured
/// one wins; <see cref="Shadowed"/> says which). <see cref="Changed"/> tells IKE's reconciler, whose next pass deletes
/// the SAs of a peer that left.
/// </summary>
public sealed class PeerBook
{
    private readonly Lock _lock = new();
    private volatile Snapshot _snapshot = Snapshot.Of([]);
    private IReadOnlyList<IkePeer> _configured = [];
    private IReadOnlyList<DynamicPeer> _dynamic = [];
    private Func<DynamicPeer, IkePeer>? _factory;

    /// <summary>Raised after each swap (outside the lock), with the new peer list.</summary>
    public event Action<IReadOnlyList<IkePeer>>? Changed;

    public IReadOnlyList<IkePeer> Peers => _snapshot.Peers;

    /// <summary>Cluster hosts left out because a configured peer has their name or address.</summary>
    public IReadOnlyList<string> Shadowed => _snapshot.Shadowed;

    public IkePeer? FindByIdentity(string identity) => _snapshot.ByIdentity.GetValueOrDefault(identity);

    public IkePeer? FindByName(string name) => _snapshot.ByName.GetValueOrDefault(name);

    public IkePeer? FindByAddress(IPAddress address) => _snapshot.ByAddress.GetValueOrDefault(address);

    /// <summary>IKE starts: its configured peers, and how it makes an <see cref="IkePeer"/> of a cluster host (IKE's settings).</summary>
    public void Configure(IReadOnlyList<IkePeer> configured, Func<DynamicPeer, IkePeer> factory)
    {
        lock (_lock)
        {
            (_configured, _factory) = (configured, factory);
        }

        Swap();
    }

    /// <summary>The cluster's admitted hosts now (the whole list: one that is not in it is gone).</summary>
    public void SetDynamic(IReadOnlyList<DynamicPeer> peers)
    {
        lock (_lock)
        {
            _dynamic = peers;
        }

        Swap();
    }

    private void Swap()
    {
        Snapshot next;
        lock (_lock)
        {
            var peers = new List<IkePeer>(_configured);
            var shadowed = new List<string>();
            HashSet<string> names = [.. _configured.Select(p => p.Name), .. _configured.Select(p => p.Identity)];
            HashSet<IPAddress> addresses = [.. _configured.Select(p => p.Address)];
            foreach (DynamicPeer host in _factory is null ? [] : _dynamic)
            {
                if (!names.Add(host.Name) || !addresses.Add(host.Address))
                {
                    shadowed.Add(host.Name);
                    continue;
                }

                IkePeer? old = _snapshot.ByName.GetValueOrDefault(host.Name);
                peers.Add(old is { FromCluster: true } && old.Address.Equals(host.Address) && old.DataPlaneEndpoint.Port == host.Port
                    && old.IkePort == host.IkePort ? old : _factory!(host));
            }

            next = Snapshot.Of(peers, shadowed);
            _snapshot = next;
        }

        Changed?.Invoke(next.Peers);
    }

    private sealed record Snapshot(
        IReadOnlyList<IkePeer> Peers,
        IReadOnlyList<string> Shadowed,
        FrozenDictionary<string, IkePeer> ByIdentity,
        FrozenDictionary<string, IkePeer> ByName,
        FrozenDictionary<IPAddress, IkePeer> ByAddress)
    {
        public static Snapshot Of(IReadOnlyList<IkePeer> peers, IReadOnlyList<string>? shadowed = null) => new(
            peers, shadowed ?? [],
            peers.DistinctBy(p => p.Identity).ToFrozenDictionary(p => p.Identity, StringComparer.Ordinal),
            peers.ToFrozenDictionary(p => p.Name, StringComparer.Ordinal),
            peers.DistinctBy(p => p.Address).ToFrozenDictionary(p => p.Address));
    }
}
