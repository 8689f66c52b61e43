using Microsoft.Extensions.Logging;
using Overlay.Daemon.Policy;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Forwarding;
using Overlay.Ike.Sa;
using Overlay.Labels.Audit;
using Overlay.Labels.Compiled;

namespace Overlay.Daemon.IkeHost;

/// <summary>
/// Adapts IKE's <see cref="IChildSaSink"/> to the data plane's <see cref="ITunnelKeyer"/>: a CHILD_SA
/// becomes one keying of its (peer, TVD) tunnel — an inbound and an outbound ESP SA with the CHILD_SA's
/// selectors — the TVD found from the CHILD_SA's label in the live policy (its VLAN id goes into the
/// descriptors). The data plane decides how (make-before-break on rekey, routes in mode ip, the grace
/// of a rekeyed inbound SA); this only translates, records for status and key export, and logs. A peer's
/// refusal of this host goes to the policy's audit trail.
/// </summary>
public sealed class DataPlaneChildSink : IChildSaSink
{
    private readonly ITunnelKeyer _dataPlane;
    private readonly PolicyStore _policy;
    private readonly PeerBook _peers;
    private readonly IkeRuntime _runtime;
    private readonly ILogger _logger;

    public DataPlaneChildSink(ITunnelKeyer dataPlane, PolicyStore policy, PeerBook peers, IkeRuntime runtime,
        ILogger logger)
    {
        _dataPlane = dataPlane;
        _policy = policy;
        _peers = peers;
        _runtime = runtime;
        _logger = logger;
    }

    /// <summary>debug_key_export: CHILD_SA keys for Wireshark; null when off.</summary>
    public IkeKeyExport? KeyExport { get; init; }

    public void Install(ChildSa child)
    {
        string peerId = child.Peer.ToString();
        if (_peers.FindByIdentity(peerId) is not { } peer)
        {
            IkeLog.ChildRefused(_logger, peerId, child.Label, "no peer (configured or from the cluster) has this identity");
            return;
        }

        CompiledTvd? tvd = _policy.Engine.Policy.FindTvdByLabel(child.Label);
        if (tvd is null)
        {
            IkeLog.ChildRefused(_logger, peer.Name, child.Label, "the label is no TVD of the policy");
            return;
        }

        var keying = new TunnelKeying(peer.Name,
            [Descriptor(peer, tvd, child, SaDirection.Inbound), Descriptor(peer, tvd, child, SaDirection.Outbound)],
            [.. child.LocalSelectors.Select(s => new AddressRange(s.Start, s.End))],
            [.. child.RemoteSelectors.Select(s => new AddressRange(s.Start, s.End))])
        {
            Remote = child.NatMapping?.Remote,
            FollowsPeer = child.NatMapping?.FollowsPeer ?? false,
        };
        TunnelKeyingResult result = _dataPlane.Install(keying);
        if (!result.Installed)
        {
            IkeLog.ChildRefused(_logger, peer.Name, child.Label, result.Problem ?? "refused");
            return;
        }

        _runtime.OnInstalled(peer.Name, child);
        try
        {
            KeyExport?.AddChild(child, peer.Address);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            IkeLog.KeyExportFailed(_logger, "esp_sa", e.Message);
        }

        IkeLog.ChildInstalled(_logger, peer.Name, child.Label, (ushort)tvd.VlanId, child.InboundSpi, child.OutboundSpi, child.Suite.ToString());
    }

    public void Remove(ChildSa child)
    {
        _dataPlane.Remove(child.InboundSpi, child.OutboundSpi, child.ReplacedBy is not null ? SaRemoval.Rekeyed : SaRemoval.Now);
        string peer = _peers.FindByIdentity(child.Peer.ToString())?.Name ?? child.Peer.ToString();
        _runtime.OnRemoved(child);
        IkeLog.ChildRemoved(_logger, peer, child.Label, child.InboundSpi, child.OutboundSpi);
    }

    /// <summary>IKE's dynamic address update: every tunnel to the peer sends to its new endpoint.</summary>
    public void PeerMoved(IkeIdentity peer, NatMapping mapping)
    {
        if (_peers.FindByIdentity(peer.ToString()) is { } p)
        {
            int moved = _dataPlane.UpdateRemote(p.DataPlaneEndpoint, mapping.Remote, mapping.FollowsPeer);
            IkeLog.PeerMoved(_logger, p.Name, mapping.Remote.ToString(), moved);
        }
    }

    /// <summary>The peer's refusal goes into this host's audit trail beside its own join decisions (TVD by name where the label is one).</summary>
    public void RefusedByPeer(PeerRefusal refusal)
    {
        string peer = refusal.Peer is { } id && _peers.FindByIdentity(id.ToString()) is { } p ? p.Name : refusal.Peer?.ToString() ?? "?";
        string? tvd = refusal.Label is { } label ? _policy.Engine.Policy.FindTvdByLabel(label)?.Name ?? label : null;
        _policy.Engine.RecordRefusalByPeer(new RefusalByPeer(_policy.HostName, peer, tvd, refusal.Reason, refusal.Withdrawn));
    }

    /// <summary>
    /// One direction of the CHILD_SA. IKE owns its lifetime (rekey, delete), so the data plane's own
    /// limits stay off; the replay window is the data plane's default.
    /// </summary>
    private static SaDescriptor Descriptor(IkePeer peer, CompiledTvd tvd, ChildSa child, SaDirection direction)
    {
        bool inbound = direction == SaDirection.Inbound;
        return new SaDescriptor(
            peer.DataPlaneEndpoint, (ushort)tvd.VlanId, tvd.WireLabel, direction,
            inbound ? child.InboundSpi : child.OutboundSpi,
            child.Suite.KeyBits == 256 ? EspCipher.AesGcm256 : EspCipher.AesGcm128,
            inbound ? child.InboundKey : child.OutboundKey,
            peer.Mode, Overlay.DataPlane.Esp.SaLifetime.Unlimited, child.Suite.ExtendedSequenceNumbers);
    }
}
