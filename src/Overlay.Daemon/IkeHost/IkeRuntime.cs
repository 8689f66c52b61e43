using Overlay.Ike.Net;
using Overlay.Ike.Sa;

namespace Overlay.Daemon.IkeHost;

/// <summary>A CHILD_SA as the status shows it.</summary>
/// <param name="LocalTs">The negotiated local traffic selectors on our side (the narrowed TSi or TSr, whichever is ours), as <see cref="Describe"/> writes them.</param>
/// <param name="RemoteTs">The negotiated traffic selectors on the peer's side.</param>
public sealed record ChildRecord(
    string Peer, string Label, uint InboundSpi, uint OutboundSpi, string Suite, DateTimeOffset InstalledAt, int Rekeys,
    IReadOnlyList<string> LocalTs, IReadOnlyList<string> RemoteTs)
{
    /// <summary>An address range as a prefix when it is one (<c>fd13:1::/64</c>, <c>10.13.1.5/32</c>), else <c>start-end</c>.</summary>
    public static string Describe(Overlay.Ike.Encoding.Payloads.AddressRangeSelector range)
    {
        byte[] start = range.StartAddress, end = range.EndAddress;
        int bits = start.Length * 8, length = 0;
        while (length < bits && Bit(start, length) == Bit(end, length))
        {
            length++;
        }

        for (int bit = length; bit < bits; bit++)
        {
            if (Bit(start, bit) != 0 || Bit(end, bit) != 1)
            {
                return $"{range.Start}-{range.End}";
            }
        }

        return $"{range.Start}/{length}";
    }

    private static int Bit(byte[] address, int bit) => (address[bit / 8] >> (7 - (bit % 8))) & 1;
}

/// <summary>
/// What the IKE subsystem runs, shared between <see cref="IkeService"/> (which builds it), the
/// CHILD_SA sink (which records installs) and the status section (which reads it).
/// </summary>
public sealed class IkeRuntime
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(uint In, uint Out), ChildRecord> _children = [];
    private readonly Dictionary<(string Peer, string Label), int> _rekeys = [];

    public IkeSaManager? Manager { get; internal set; }

    /// <summary>How handshakes ended (the manager counts into it); exists before IKE starts, so metrics can observe it.</summary>
    public HandshakeStats Handshakes { get; } = new();

    public IkeTransport? Transport { get; internal set; }

    /// <summary>Attested IKE, when attestation runs.</summary>
    public IkeAttestationAdapter? Attestation { get; internal set; }

    /// <summary>The peers: configured and, in cluster mode, the inventory's; exists before IKE starts (the cluster fills it).</summary>
    public PeerBook Book { get; } = new();

    public IReadOnlyList<IkePeer> Peers => Book.Peers;

    /// <summary>Cluster mode: the enrolled AKs, pins of their hosts in requirements without one (empty in files mode).</summary>
    internal Overlay.Common.Policy.EnrolledAkView EnrolledAks { get; } = new();

    /// <summary>Failed negotiations by reason (and the last one per peer address).</summary>
    public IkeFailureRecorder? Failures { get; internal set; }

    public string? LocalId { get; internal set; }

    /// <summary>Where the IKE keys are exported (debug_key_export + ".ikev2"), when on.</summary>
    public string? KeyExportPath { get; internal set; }

    /// <summary>Bumped on every install or removal, so the key export knows when to rewrite.</summary>
    public long Generation { get; private set; }

    public IReadOnlyList<ChildRecord> Children
    {
        get
        {
            lock (_lock)
            {
                return [.. _children.Values.OrderBy(c => c.Peer).ThenBy(c => c.Label).ThenBy(c => c.InstalledAt)];
            }
        }
    }

    /// <summary>A CHILD_SA installed while one of the same (peer, label) exists is a rekey.</summary>
    internal void OnInstalled(string peer, ChildSa child)
    {
        lock (_lock)
        {
            var key = (peer, child.Label);
            bool rekey = _children.Values.Any(c => c.Peer == peer && c.Label == child.Label);
            int rekeys = _rekeys.GetValueOrDefault(key) + (rekey ? 1 : 0);
            _rekeys[key] = rekeys;
            _children[(child.InboundSpi, child.OutboundSpi)] = new ChildRecord(
                peer, child.Label, child.InboundSpi, child.OutboundSpi, child.Suite.ToString(), child.InstalledAt, rekeys,
                [.. child.LocalSelectors.Select(ChildRecord.Describe)], [.. child.RemoteSelectors.Select(ChildRecord.Describe)]);
            Generation++;
        }
    }

    internal void OnRemoved(ChildSa child)
    {
        lock (_lock)
        {
            _children.Remove((child.InboundSpi, child.OutboundSpi));
            Generation++;
        }
    }
}
