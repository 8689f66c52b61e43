using Overlay.Daemon.Policy;
using Overlay.Ike.Attestation;
using Overlay.Ike.Peers;
using Overlay.Ike.Sa;
using Overlay.Labels.Compiled;
using Overlay.Labels.Decisions;

namespace Overlay.Daemon.IkeHost;

/// <summary>
/// IKE's <see cref="IPeerPolicy"/> over the live Labels policy and the peers' config: the TVDs the engine says
/// both hosts may carry become CHILD_SA templates of the peer's (<see cref="IkePeer.Child"/>); an installed
/// CHILD_SA stays while the engine still says so, and a "no" is asked again of the audited decision, so every
/// revocation is in the audit trail with its reason.
/// </summary>
public sealed class PolicyPeerPolicy : IPeerPolicy
{
    private readonly PolicyStore _policy;
    private readonly IReadOnlyDictionary<string, IkePeer> _peers;

    public PolicyPeerPolicy(PolicyStore policy, IReadOnlyDictionary<string, IkePeer> peersByName) => (_policy, _peers) = (policy, peersByName);

    public IReadOnlyList<ChildSaConfig> Wanted(IkePeerTarget peer, IkeSa? sa) =>
        [.. Carriable(peer).Select(_peers[peer.Name].Child)];

    public IkeSaConfig IkeConfig(IkePeerTarget peer, IReadOnlyList<ChildSaConfig> children) => _peers[peer.Name].IkeConfig(Carriable(peer));

    public LabelVerdict MayKeep(IkePeerTarget peer, ChildSa child, IPeerAttestation? attestation)
    {
        if (Carriable(peer).Any(tvd => tvd.WireLabel == child.Label))
        {
            return LabelVerdict.Allow;
        }

        Decision audited = _policy.Engine.Carry(child.Label, _policy.HostName, peer.Identity.ToString());
        return audited.Allowed ? LabelVerdict.Allow : LabelVerdict.Deny(audited.Reason);
    }

    private IReadOnlyList<CompiledTvd> Carriable(IkePeerTarget peer) => _policy.Engine.CarriableTvds(_policy.HostName, peer.Identity.ToString());
}
