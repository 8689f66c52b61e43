using Overlay.Daemon.Policy;
using Overlay.Ike.Attestation;
using Overlay.Ike.Sa;
using Overlay.Labels.Compiled;

namespace Overlay.Daemon.IkeHost;

/// <summary>
/// IKE's <see cref="ILabelPolicy"/> over the live Labels policy: a peer may have a CHILD_SA for a
/// label iff the label is a TVD's wire label and both its host entry and ours may run the TVD's
/// STE type. Anything else (an unknown label, a peer identity that is no host) is refused, which
/// IKE answers with TS_UNACCEPTABLE. Reads the policy each time, so a reload applies at once.
/// </summary>
public sealed class PolicyLabelPolicy : ILabelPolicy
{
    private readonly PolicyStore _policy;

    public PolicyLabelPolicy(PolicyStore policy) => _policy = policy;

    public LabelVerdict Check(string peerId, string label, IPeerAttestation? attestation)
    {
        CompiledPolicy policy = _policy.Engine.Policy;
        return TvdCarriage.ByLabel(policy, label) is { } tvd && TvdCarriage.MayCarry(policy, _policy.HostName, peerId, tvd)
            ? LabelVerdict.Allow
            : LabelVerdict.Deny($"the policy does not let {label} travel between {_policy.HostName} and {peerId}");
    }
}
