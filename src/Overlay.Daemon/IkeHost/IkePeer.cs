using System.Net;
using Overlay.Daemon.Configuration;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Sa;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Peers;
using Overlay.Ike.Sa;
using Overlay.Labels.Compiled;

namespace Overlay.Daemon.IkeHost;

/// <summary>
/// One peer as IKE sees it — a <c>[[dataplane.peer]]</c>, or a host of the cluster's inventory
/// (<see cref="FromCluster"/>: etherip, what <c>[ike]</c> gives every peer) — its identity (its policy host name), its key,
/// whether we initiate, its inner mode and selectors, and the IKE and CHILD_SA configurations built from
/// them for the TVDs the policy lets both hosts carry.
/// </summary>
public sealed class IkePeer
{
    private readonly IkeConfig _ike;
    private readonly IPAddress _underlay;

    public IkePeer(PeerConfig dataPlanePeer, IkeConfig ike, IPAddress underlay, string localId)
        : this(dataPlanePeer.Name, dataPlanePeer.Address, dataPlanePeer.Port, ike.IkePort, ike, underlay, localId)
    {
    }

    /// <summary>A peer by name (its policy host name), underlay address, data plane (ESP, NAT-T) port and plain IKE port.</summary>
    public IkePeer(string name, IPAddress address, int port, int ikePort, IkeConfig ike, IPAddress underlay, string localId, bool fromCluster = false)
    {
        _ike = ike;
        _underlay = underlay;
        Settings = ike.PeerSettings(name);
        Name = name;
        Address = address;
        IkePort = ikePort;
        FromCluster = fromCluster;
        DataPlaneEndpoint = new IPEndPoint(address, port);
        Identity = Settings.Id ?? name;
        LocalId = localId;
        Auth = ike.AuthOf(Settings);
        Psk = Auth == IkeAuth.Psk ? Settings.Psk ?? ike.DefaultPsk : null;
        // Only one side initiates between our own hosts (no duplicate IKE SAs); a restart of either
        // side still heals: the initiator re-initiates after DPD, the responder is initiated to.
        Initiates = Settings.Initiate ?? Compare(underlay, address) < 0;
    }

    public string Name { get; }

    public IPAddress Address { get; }

    /// <summary>Its plain IKE port (ours for a configured peer; the one it registered for a cluster peer).</summary>
    public int IkePort { get; }

    /// <summary>Whether it came from the cluster's inventory rather than a <c>[[dataplane.peer]]</c>.</summary>
    public bool FromCluster { get; }

    /// <summary>Where its ESP goes and comes from: the (peer, TVD) tunnels' key in the data plane.</summary>
    public IPEndPoint DataPlaneEndpoint { get; }

    /// <summary>Its IKE identity (FQDN) = its host name in the policy.</summary>
    public string Identity { get; }

    public string LocalId { get; }

    /// <summary>PSK or certificates; with certificates we accept no PSK from the peer either.</summary>
    public IkeAuth Auth { get; }

    /// <summary>The pre-shared key when <see cref="Auth"/> is PSK; null otherwise.</summary>
    public byte[]? Psk { get; }

    /// <summary>Whether we have what <see cref="Auth"/> needs (the config checks make this true for configured peers).</summary>
    public bool CanAuthenticate => Auth == IkeAuth.Psk ? Psk is not null : _ike.Certificate is not null && _ike.TrustedCas.Count > 0;

    public bool Initiates { get; }

    public InnerMode Mode => Settings.Mode;

    public IkePeerConfig Settings { get; }

    /// <summary>The peer as IKE's reconciler knows it.</summary>
    public IkePeerTarget Target => new(Name, IkeIdentity.Fqdn(Identity), Address, IkePort, Initiates);

    /// <summary>
    /// The IKE SA's configuration. With certificates the PSK is empty (so a peer's PSK AUTH is refused),
    /// our certificate signs, and the peer's must chain to the configured CAs and name its identity.
    /// </summary>
    public IkeSaConfig IkeConfig(IReadOnlyList<CompiledTvd> tvds)
    {
        var config = new IkeSaConfig(
            IkeIdentity.Fqdn(LocalId), IkeIdentity.Fqdn(Identity), Psk ?? [], _ike.IkeProposals, [.. tvds.Select(Child)],
            Lifetime: _ike.IkeLifetime.RekeyAfter > TimeSpan.Zero ? _ike.IkeLifetime : null)
        {
            Fragmentation = AttestedFragmentation,
            NatKeepalive = _ike.NatKeepalive,
        };
        return Auth == IkeAuth.Pubkey ? config with { LocalCertificate = _ike.Certificate, TrustedCas = _ike.TrustedCas } : config;
    }

    /// <summary>
    /// Attested IKE carries a full measurement list in IKE_AUTH the first time (10,000 entries: about 0.6 MB, some 500
    /// fragments of 1,280 octets); a stock peer never sends more than the default allows anyway. All SAs together
    /// stay within the daemon's one reassembly budget (<see cref="Overlay.Ike.Sa.ReassemblyBudget"/>).
    /// </summary>
    public static FragmentationOptions AttestedFragmentation { get; } = new(MaxFragments: 2048, MaxReassembledLength: 3 << 20);

    /// <summary>The CHILD_SA of one TVD: its label, our/their selectors (underlay hosts for etherip, the prefixes for ip).</summary>
    public ChildSaConfig Child(CompiledTvd tvd)
    {
        IReadOnlyList<AddressRangeSelector> local = Mode == InnerMode.Ip
            ? [.. Settings.LocalTs.Select(p => AddressRangeSelector.Range(p.First, p.Last))]
            : [AddressRangeSelector.Range(_underlay, _underlay)];
        IReadOnlyList<AddressRangeSelector> remote = Mode == InnerMode.Ip
            ? [.. Settings.RemoteTs.Select(p => AddressRangeSelector.Range(p.First, p.Last))]
            : [AddressRangeSelector.Range(Address, Address)];
        return new ChildSaConfig(tvd.Name, tvd.WireLabel, local, remote, _ike.EspProposals,
            _ike.ChildLifetime.RekeyAfter > TimeSpan.Zero ? _ike.ChildLifetime : null);
    }

    private static int Compare(IPAddress a, IPAddress b) => a.GetAddressBytes().AsSpan().SequenceCompareTo(b.GetAddressBytes());
}
