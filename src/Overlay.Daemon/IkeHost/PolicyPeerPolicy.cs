using System.Collections.Concurrent;
using Overlay.Daemon.Policy;
using Overlay.Ike.Attestation;
using Overlay.Ike.Peers;
using Overlay.Ike.Sa;
using Overlay.Labels.Compiled;
using Overlay.Labels.Decisions;

namespace Overlay.Daemon.IkeHost;

/// <summary>
/// IKE's <see cref="IPeerPolicy"/> over the live Labels policy and the peer book: the TVDs the engine says
/// both hosts may carry become CHILD_SA templates of the peer's (<see cref="IkePeer.Child"/>) — on an established
/// IKE SA only those the peer's attestation lets it join, before one those that need no evidence first (the first
/// goes into IKE_AUTH, before any evidence is seen). An installed CHILD_SA stays while the engine's join decision
/// (unaudited, asked every pass) says so; a "no" is asked again of the audited decision, so every revocation is in
/// the audit trail with its reason. So is a TVD we do not ask for because the peer's evidence does not let it join:
/// audited once per reason, as a responder audits the request it refuses — whichever side initiates, the refusing
/// host's trail and <c>tvdctl status</c>'s refused joins say why.
/// </summary>
public sealed class PolicyPeerPolicy : IPeerPolicy
{
    private readonly PolicyStore _policy;
    private readonly PeerBook _peers;
    private readonly TimeProvider _time;

    // (peer, label) → the reason of the denial last audited, until the join is allowed again. Bounded by the peers and
    // TVDs the policy names.
    private readonly ConcurrentDictionary<(string Peer, string Label), string> _auditedDenials = new();

    public PolicyPeerPolicy(PolicyStore policy, PeerBook peers, TimeProvider time) =>
        (_policy, _peers, _time) = (policy, peers, time);

    public IReadOnlyList<ChildSaConfig> Wanted(IkePeerTarget peer, IkeSa? sa)
    {
        if (_peers.FindByName(peer.Name) is not { } configured)
        {
            return []; // it left the book after the reconciler took its list: nothing for it
        }

        IEnumerable<CompiledTvd> tvds = sa is null
            ? Carriable(peer).OrderBy(tvd => tvd.Attestation is not null)
            : Carriable(peer).Where(tvd => MayAskFor(peer, tvd.WireLabel, sa.PeerAttestation));
        return [.. tvds.Select(configured.Child)];
    }

    public IkeSaConfig IkeConfig(IkePeerTarget peer, IReadOnlyList<ChildSaConfig> children) =>
        (_peers.FindByName(peer.Name) ?? throw new InvalidOperationException($"peer '{peer.Name}' left the peer book")).IkeConfig(Carriable(peer));

    public LabelVerdict MayKeep(IkePeerTarget peer, ChildSa child, IPeerAttestation? attestation)
    {
        if (Decide(peer, child.Label, attestation).Allowed)
        {
            return LabelVerdict.Allow;
        }

        Decision audited = _policy.Engine.Join(child.Label, _policy.HostName, peer.Identity.ToString(), attestation as IAttestationStatus, _time.GetUtcNow());
        return audited.Allowed ? LabelVerdict.Allow : LabelVerdict.Deny(audited.Reason);
    }

    private bool MayAskFor(IkePeerTarget peer, string label, IPeerAttestation? attestation)
    {
        Decision decision = Decide(peer, label, attestation);
        var key = (peer.Name, label);
        if (decision.Allowed)
        {
            _auditedDenials.TryRemove(key, out _);
            return true;
        }

        if (!_auditedDenials.TryGetValue(key, out string? last) || last != decision.Reason)
        {
            _auditedDenials[key] = decision.Reason;
            _policy.Engine.Join(label, _policy.HostName, peer.Identity.ToString(), attestation as IAttestationStatus, _time.GetUtcNow());
        }

        return false;
    }

    private Decision Decide(IkePeerTarget peer, string label, IPeerAttestation? attestation) =>
        _policy.Engine.DecideJoin(label, _policy.HostName, peer.Identity.ToString(), attestation as IAttestationStatus, _time.GetUtcNow());

    private IReadOnlyList<CompiledTvd> Carriable(IkePeerTarget peer) => _policy.Engine.CarriableTvds(_policy.HostName, peer.Identity.ToString());
}
