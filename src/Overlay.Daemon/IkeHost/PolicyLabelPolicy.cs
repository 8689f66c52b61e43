using Overlay.Daemon.Policy;
using Overlay.Ike.Attestation;
using Overlay.Ike.Sa;

namespace Overlay.Daemon.IkeHost;

/// <summary>
/// IKE's <see cref="ILabelPolicy"/> over the live Labels policy: the engine's audited carry decision
/// for the label between this host and the peer (its IKE identity is its host name in the policy).
/// A denial (an unknown label, a peer identity that is no host, a host that may not run the TVD's
/// type) IKE answers with TS_UNACCEPTABLE. Asks the engine each time, so a reload applies at once.
/// </summary>
public sealed class PolicyLabelPolicy : ILabelPolicy
{
    private readonly PolicyStore _policy;

    public PolicyLabelPolicy(PolicyStore policy) => _policy = policy;

    public LabelVerdict Check(string peerId, string label, IPeerAttestation? attestation)
    {
        Overlay.Labels.Decisions.Decision decision = _policy.Engine.Carry(label, _policy.HostName, peerId);
        return decision.Allowed ? LabelVerdict.Allow : LabelVerdict.Deny(decision.Reason);
    }
}
