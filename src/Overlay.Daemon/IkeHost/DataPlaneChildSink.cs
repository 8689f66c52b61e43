using Microsoft.Extensions.Logging;
using Overlay.Daemon.DataPlaneHost;
using Overlay.Daemon.Policy;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Forwarding;
using Overlay.DataPlane.Sa;
using Overlay.Ike.Sa;
using Overlay.Labels.Compiled;

namespace Overlay.Daemon.IkeHost;

/// <summary>
/// Adapts IKE's <see cref="IChildSaSink"/> to the data plane's <see cref="ISaInstaller"/>: a CHILD_SA
/// becomes an inbound and an outbound ESP SA of the (peer, TVD) tunnel, the TVD found from the
/// CHILD_SA's label in the live policy (its VLAN id goes into the descriptor). IKE installs a rekeyed
/// CHILD_SA before it removes the old one, and the SA table sends with the newest outbound SA, so a
/// rekey is make-before-break. IP-mode tunnels also get routes for the CHILD_SA's remote selectors.
/// </summary>
public sealed class DataPlaneChildSink : IChildSaSink
{
    private readonly Pipeline _pipeline;
    private readonly PolicyStore _policy;
    private readonly IReadOnlyDictionary<string, IkePeer> _peersById;
    private readonly IkeRuntime _runtime;
    private readonly ILogger _logger;

    public DataPlaneChildSink(Pipeline pipeline, PolicyStore policy, IReadOnlyDictionary<string, IkePeer> peersById, IkeRuntime runtime, ILogger logger)
    {
        _pipeline = pipeline;
        _policy = policy;
        _peersById = peersById;
        _runtime = runtime;
        _logger = logger;
    }

    /// <summary>
    /// How long the inbound SA of a rekeyed CHILD_SA still opens packets after its DELETE (strongSwan's
    /// delete_rekeyed_delay is 5 s too): at full load a few milliseconds of the peer's traffic are in
    /// flight on the old SA when the DELETE arrives.
    /// </summary>
    public static readonly TimeSpan RekeyedInboundGrace = TimeSpan.FromSeconds(5);

    /// <summary>debug_key_export: CHILD_SA keys for Wireshark; null when off.</summary>
    public IkeKeyExport? KeyExport { get; init; }

    public void Install(ChildSa child)
    {
        string peerId = child.Peer.ToString();
        if (!_peersById.TryGetValue(peerId, out IkePeer? peer))
        {
            IkeLog.ChildRefused(_logger, peerId, child.Label, "no [[dataplane.peer]] has this identity");
            return;
        }

        CompiledTvd? tvd = _policy.Engine.Policy.FindTvdByLabel(child.Label);
        if (tvd is null)
        {
            IkeLog.ChildRefused(_logger, peer.Name, child.Label, "the label is no TVD of the policy");
            return;
        }

        var vlan = (ushort)tvd.VlanId;
        TvdTunnels.Open(_pipeline, peer.Name, peer.DataPlaneEndpoint, vlan, tvd.WireLabel, peer.Mode,
            child.LocalSelectors.Select(s => (s.Start, s.End)), child.RemoteSelectors.Select(s => (s.Start, s.End)));

        SaInstallResult inbound = _pipeline.Sas.Install(Descriptor(peer, tvd, child, SaDirection.Inbound));
        SaInstallResult outbound = _pipeline.Sas.Install(Descriptor(peer, tvd, child, SaDirection.Outbound));
        if (inbound != SaInstallResult.Installed || outbound != SaInstallResult.Installed)
        {
            IkeLog.ChildRefused(_logger, peer.Name, child.Label, $"inbound {inbound}, outbound {outbound}");
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

        IkeLog.ChildInstalled(_logger, peer.Name, child.Label, vlan, child.InboundSpi, child.OutboundSpi, child.Suite.ToString());
    }

    public void Remove(ChildSa child)
    {
        _pipeline.Sas.Remove(child.OutboundSpi, SaDirection.Outbound);
        if (child.ReplacedBy is not null)
        {
            // Rekeyed: the peer may still have packets sealed with the old SA in flight.
            _pipeline.Sas.RetireInbound(child.InboundSpi, RekeyedInboundGrace);
        }
        else
        {
            _pipeline.Sas.Remove(child.InboundSpi, SaDirection.Inbound);
        }

        string peer = _peersById.TryGetValue(child.Peer.ToString(), out IkePeer? p) ? p.Name : child.Peer.ToString();
        _runtime.OnRemoved(child);
        IkeLog.ChildRemoved(_logger, peer, child.Label, child.InboundSpi, child.OutboundSpi);
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
            peer.Mode, Overlay.DataPlane.Sa.SaLifetime.Unlimited, child.Suite.ExtendedSequenceNumbers);
    }
}
