using Overlay.Ike.Attestation;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Sa;

namespace Overlay.Ike.Tasks;

/// <summary>
/// Keeps attested IKE fresh on an established SA (docs/protocol.md), in one INFORMATIONAL exchange that
/// carries what is due from the sender: its new challenge (with what it holds of the other side's lists),
/// its evidence for the other side's latest challenge, or both. The evidence is bound to this SA by its
/// ephemeral key's signature over <see cref="BindingOctets.ForRefresh"/> (SPIs, message ID, a MAC under the
/// sender's SK_p). What to send is decided when the request is built, from the state then.
/// <code>
/// HDR, SK {[N(CHALLENGE), [N(CHECKPOINT)]], [N(EVIDENCE)+, N(BINDING)]}  -->
///                                                       &lt;--  HDR, SK {}
/// </code>
/// The responder keeps the new challenge (and starts making evidence for it), appraises the evidence and
/// keeps the appraisal on the SA, where the daemon's periodic check finds it.
/// </summary>
public sealed class AttestRefreshTask : IIkeTask
{
    private readonly IkeSa _sa;

    public AttestRefreshTask(IkeSa sa)
    {
        _sa = sa;
    }

    public TaskKind Kind => TaskKind.Attestation;

    /// <summary>True when an INFORMATIONAL request carries attestation: its responder is this task.</summary>
    public static bool Carries(IkeMessage request) =>
        request.FindNotify(NotifyType.TvdAttestationChallenge) is not null || request.FindNotify(NotifyType.TvdAttestationEvidence) is not null;

    public TaskStatus Build(IkeMessage message)
    {
        if (message.IsResponse)
        {
            return TaskStatus.Success;
        }

        if (_sa.Services.Attestation is not { } attestation || !_sa.AttestationNegotiated)
        {
            return TaskStatus.Success;
        }

        var sending = AddChallenge(message, attestation);
        sending |= AddEvidence(message, attestation);
        return sending ? TaskStatus.NeedMore : TaskStatus.Success; // nothing due any more: no exchange
    }

    public TaskStatus Process(IkeMessage message)
    {
        if (message.IsResponse)
        {
            return TaskStatus.Success;
        }

        if (_sa.Services.Attestation is not { } attestation || !_sa.AttestationNegotiated || _sa.PeerIdentity is not { } peer)
        {
            return TaskStatus.NeedMore; // answered empty
        }

        if (AttestationNotifies.TryReadChallenge(message.FindNotify(NotifyType.TvdAttestationChallenge), out var challenge))
        {
            _sa.PeerChallenge = challenge;
            _sa.PeerCheckpoint = AttestationNotifies.ReadCheckpoint(message.FindNotify(NotifyType.TvdAttestationCheckpoint));
            attestation.GetEvidence(peer, challenge, _sa.PeerCheckpoint, urgent: false, _sa.MaintainAttestation); // start the quote
        }

        var notifies = message.FindAll<NotifyPayload>();
        if (notifies.Any(n => n.Type == NotifyType.TvdAttestationEvidence))
        {
            AttestationNotifies.TryAssembleEvidence(notifies, out var bundle, out _);
            var binding = AttestationNotifies.ReadBinding(message.FindNotify(NotifyType.TvdAttestationBinding)) ?? [];
            var peerIsInitiator = !_sa.IsOriginalInitiator;
            var octets = BindingOctets.ForRefresh(_sa.Suite!.Prf, peerIsInitiator ? _sa.Keys!.SkPi : _sa.Keys!.SkPr, peerIsInitiator,
                _sa.InitiatorSpi, _sa.ResponderSpi, message.Header.MessageId, bundle);
            _sa.PeerAttestation = attestation.Appraise(peer, bundle, binding, octets);
            _sa.PeerAttestedAt = _sa.Services.Time.GetUtcNow();
            _sa.RefreshesReceived++;
        }

        return TaskStatus.NeedMore;
    }

    private bool AddChallenge(IkeMessage message, IIkeAttestation attestation)
    {
        var challenge = attestation.CurrentChallenge;
        if (challenge.AsSpan().SequenceEqual(_sa.ChallengeSent))
        {
            return false;
        }

        message.Add(AttestationNotifies.Challenge(challenge));
        if (_sa.PeerIdentity is { } peer && attestation.CheckpointFor(peer) is { } checkpoint)
        {
            message.Add(AttestationNotifies.Checkpoint(checkpoint));
        }

        _sa.ChallengeSent = challenge;
        return true;
    }

    private bool AddEvidence(IkeMessage message, IIkeAttestation attestation)
    {
        var result = attestation.GetEvidence(_sa.PeerIdentity, _sa.PeerChallenge, _sa.PeerCheckpoint, urgent: false, _sa.MaintainAttestation);
        _sa.OwnEvidenceProblem = result.Problem;
        if (result.Evidence is not { } evidence
            || (evidence.Serial == _sa.EvidenceSent.Serial && _sa.PeerChallenge.AsSpan().SequenceEqual(_sa.EvidenceSent.Challenge))
            || AttestationNotifies.Evidence(evidence.Bundle) is not { } parts)
        {
            return false;
        }

        foreach (var part in parts)
        {
            message.Add(part);
        }

        var ourSkP = _sa.IsOriginalInitiator ? _sa.Keys!.SkPi : _sa.Keys!.SkPr;
        var octets = BindingOctets.ForRefresh(_sa.Suite!.Prf, ourSkP, _sa.IsOriginalInitiator, _sa.InitiatorSpi, _sa.ResponderSpi,
            message.Header.MessageId, evidence.Bundle);
        message.Add(AttestationNotifies.Binding(evidence.Sign(octets)));
        _sa.EvidenceSent = (evidence.Serial, _sa.PeerChallenge);
        _sa.RefreshesSent++;
        return true;
    }
}
