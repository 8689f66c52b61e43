using System.Net;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Sa;

namespace Overlay.DataPlane.Forwarding;

/// <summary>An inclusive address range of a traffic selector (one family).</summary>
public readonly record struct AddressRange(IPAddress First, IPAddress Last)
{
    public override string ToString() => First.Equals(Last) ? First.ToString() : $"{First}-{Last}";
}

/// <summary>
/// Everything the data plane needs to key one (peer, TVD) tunnel, whoever keys it — an IKE CHILD_SA or a
/// static <c>[[dataplane.sa]]</c> — in one call, as strongSwan's kernel_ipsec add_sa carries all a backend
/// needs. The SAs (one direction each, usually an inbound and an outbound) all name the same peer, TVD and
/// inner mode. In mode <c>ip</c> the tunnel is routed by destination: <see cref="RemoteRanges"/> (TSr)
/// become routes of the TVD into it and <see cref="LocalRanges"/> (TSi) the sources it may carry and the
/// destinations it may deliver to; in mode <c>etherip</c> the ranges are not used.
/// </summary>
public sealed record TunnelKeying(
    string PeerName,
    IReadOnlyList<SaDescriptor> Sas,
    IReadOnlyList<AddressRange> LocalRanges,
    IReadOnlyList<AddressRange> RemoteRanges)
{
    /// <summary>
    /// Where the tunnel's ESP goes when that is not the SAs' <see cref="SaDescriptor.Peer"/>: the NAT-mapped
    /// endpoint the key exchange learned (RFC 7296 §2.23). Null: the configured endpoint.
    /// </summary>
    public IPEndPoint? Remote { get; init; }

    /// <summary>The peer is behind a NAT and we are not: authenticated ESP from a new endpoint moves the tunnel (<see cref="Tunnel.FollowsPeer"/>).</summary>
    public bool FollowsPeer { get; init; }

    /// <summary>Why the keying cannot be installed as a whole, or null.</summary>
    public string? Validate()
    {
        if (Sas.Count == 0)
        {
            return "no SA to install";
        }

        SaDescriptor first = Sas[0];
        foreach (SaDescriptor sa in Sas)
        {
            if (!sa.Peer.Equals(first.Peer) || sa.TvdVlanId != first.TvdVlanId || sa.TvdLabel != first.TvdLabel || sa.InnerMode != first.InnerMode)
            {
                return $"SA 0x{sa.Spi:x8} belongs to another tunnel than SA 0x{first.Spi:x8}";
            }
        }

        foreach (AddressRange range in LocalRanges.Concat(RemoteRanges))
        {
            if (range.First.AddressFamily != range.Last.AddressFamily
                || range.First.GetAddressBytes().AsSpan().SequenceCompareTo(range.Last.GetAddressBytes()) > 0)
            {
                return $"selector {range} mixes address families or ends before it starts";
            }
        }

        return null;
    }
}

/// <summary>The outcome of <see cref="ITunnelKeyer.Install"/>: all SAs installed, or none (with why).</summary>
public readonly record struct TunnelKeyingResult(bool Installed, string? Problem, Tunnel? Tunnel)
{
    public static TunnelKeyingResult Refused(string problem) => new(false, problem, null);
}

/// <summary>How the SAs of a CHILD_SA that ends leave the data plane.</summary>
public enum SaRemoval
{
    /// <summary>Both directions stop at once (DELETE, expiry, revocation).</summary>
    Now,

    /// <summary>
    /// Replaced by a rekeyed CHILD_SA: the outbound SA stops now, the inbound one still opens what the peer
    /// sealed before it switched (<see cref="Pipeline.RekeyedInboundGrace"/>).
    /// </summary>
    Rekeyed,
}

/// <summary>
/// The data plane's port for key exchanges (the role of XFRM NEWSA/DELSA plus its policies for a kernel):
/// install the SAs of a (peer, TVD) tunnel with its routes, remove them. Binding-time work; the data path
/// only looks SAs up.
/// </summary>
public interface ITunnelKeyer
{
    /// <summary>Opens (or finds) the tunnel, routes it in mode ip, installs every SA — or, if one is refused, none.</summary>
    TunnelKeyingResult Install(TunnelKeying keying);

    /// <summary>Removes one CHILD_SA's pair of SAs (either SPI may be 0 for a direction never installed).</summary>
    void Remove(uint inboundSpi, uint outboundSpi, SaRemoval how);

    /// <summary>
    /// The key exchange learned a new endpoint of <paramref name="peer"/> (its configured endpoint, the tunnels'
    /// key): every tunnel to it sends there from now on (RFC 7296 §2.23 address update). Returns how many
    /// tunnels moved.
    /// </summary>
    int UpdateRemote(IPEndPoint peer, IPEndPoint remote, bool followsPeer);
}
