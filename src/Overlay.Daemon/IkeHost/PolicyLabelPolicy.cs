using Overlay.Daemon.Policy;
using Overlay.Ike.Attestation;
using Overlay.Ike.Sa;
using Overlay.Labels.Decisions;

namespace Overlay.Daemon.IkeHost;

/// <summary>
/// IKE's <see cref="ILabelPolicy"/> over the live Labels policy: the engine's audited join decision for the
/// label between this host and the peer (its IKE identity is its host name in the policy), with what the peer
/// proved on its IKE SA (<see cref="PeerAttestation"/>; none for a peer that presented nothing). A denial (an
/// unknown label, a peer identity that is no host, a host that may not run the TVD's type, evidence missing,
/// failing or expired) IKE answers with TS_UNACCEPTABLE and the reason. Asks the engine each time, so a reload
/// applies at once.
/// </summary>
public sealed class PolicyLabelPolicy : ILabelPolicy
{
    private readonly PolicyStore _policy;
    private readonly TimeProvider _time;

    public PolicyLabelPolicy(PolicyStore policy, TimeProvider time) => (_policy, _time) = (policy, time);

    public LabelVerdict Check(string peerId, string label, IPeerAttestation? attestation)
    {
        Decision decision = _policy.Engine.Join(label, _policy.HostName, peerId, attestation as IAttestationStatus, _time.GetUtcNow());
        return decision.Allowed ? LabelVerdict.Allow : LabelVerdict.Deny(decision.Reason);
    }

    public bool AdmitsAny(string peerId, IPeerAttestation? attestation)
    {
        DateTimeOffset now = _time.GetUtcNow();
        return _policy.Engine.CarriableTvds(_policy.HostName, peerId)
            .Any(tvd => _policy.Engine.DecideJoin(tvd.WireLabel, _policy.HostName, peerId, attestation as IAttestationStatus, now).Allowed);
    }
}
