using Overlay.Ike.Attestation;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Sa;

namespace Overlay.Ike.Tasks;

/// <summary>
/// Evidence in IKE_AUTH (docs/protocol.md). Each side adds, inside SK, its evidence for the other's
/// challenge and the binding — the evidence's ephemeral key signing <see cref="BindingOctets.ForAuth"/>,
/// i.e. what its AUTH covers — and the initiator what it holds of the responder's lists (so the answer may
/// be a delta):
/// <code>
/// HDR, SK {IDi, [CERT+,] AUTH, N(EVIDENCE)+, N(BINDING), [N(CHECKPOINT)], SAi2, TSi, TSr}  -->
///                        &lt;--  HDR, SK {IDr, [CERT+,] AUTH, N(EVIDENCE)+, N(BINDING), SAr2, TSi, TSr}
/// </code>
/// Evidence larger than one datagram goes in SKF fragments (RFC 7383). Our evidence not ready yet defers the
/// message (<see cref="TaskStatus.Wait"/>); unavailable (or still not ready after the wait), the message goes
/// without, and the peer admits us only to TVDs that require nothing.
/// </summary>
public sealed partial class IkeAuthTask
{
    /// <summary>False: wait (nothing added yet). True with null: go on without evidence.</summary>
    private bool TryGetOwnEvidence(IkeIdentity? peer, out OwnEvidence? evidence)
    {
        evidence = null;
        if (!_sa.AttestationNegotiated)
        {
            return true;
        }

        EvidenceResult result = _sa.Services.Attestation!.GetEvidence(peer, _sa.PeerChallenge, _sa.PeerCheckpoint, urgent: true, _sa.ResumeDeferred);
        switch (result.Status)
        {
            case EvidenceStatus.Ready:
                evidence = result.Evidence;
                _sa.OwnEvidenceProblem = null;
                return true;
            case EvidenceStatus.Pending when !_sa.Tasks.EvidenceWaitExpired:
                return false;
            case EvidenceStatus.Pending:
                _sa.OwnEvidenceProblem = $"our evidence was not ready within {_sa.Services.EvidenceWait.TotalSeconds:0} s";
                return true;
            default:
                _sa.OwnEvidenceProblem = result.Problem ?? "our evidence is unavailable";
                return true;
        }
    }

    private void AddEvidence(IkeMessage message, OwnEvidence? evidence, byte[] signedOctets)
    {
        if (evidence is null || AttestationNotifies.Evidence(evidence.Bundle) is not { } parts)
        {
            if (evidence is not null)
            {
                _sa.OwnEvidenceProblem = $"our evidence ({evidence.Bundle.Length} bytes) is larger than a message may carry";
            }

            return;
        }

        foreach (var part in parts)
        {
            message.Add(part);
        }

        var octets = BindingOctets.ForAuth(_sa.IsOriginalInitiator, evidence.Bundle, signedOctets);
        message.Add(AttestationNotifies.Binding(evidence.Sign(octets)));
        _sa.EvidenceSent = (evidence.Serial, _sa.PeerChallenge);
    }

    /// <summary>What we hold of the peer's lists, so the evidence it answers with may be a delta.</summary>
    private void AddCheckpoint(IkeMessage message, IkeIdentity? peer)
    {
        if (_sa.AttestationNegotiated && peer is not null && _sa.Services.Attestation!.CheckpointFor(peer) is { } checkpoint)
        {
            message.Add(AttestationNotifies.Checkpoint(checkpoint));
        }
    }

    /// <summary>
    /// Appraises what the authenticated peer presented, bound to <paramref name="peerSignedOctets"/> (what its
    /// AUTH covered). No evidence at all leaves <see cref="IkeSa.PeerAttestation"/> null: the peer presented
    /// nothing. Malformed or partial evidence is still appraised, so its findings say what was wrong.
    /// </summary>
    private void AppraisePeer(IkeMessage message, byte[] peerSignedOctets)
    {
        if (!_sa.AttestationNegotiated)
        {
            return;
        }

        _sa.PeerCheckpoint = AttestationNotifies.ReadCheckpoint(message.FindNotify(NotifyType.TvdAttestationCheckpoint));
        var notifies = message.FindAll<NotifyPayload>();
        if (!notifies.Any(n => n.Type == NotifyType.TvdAttestationEvidence))
        {
            return;
        }

        AttestationNotifies.TryAssembleEvidence(notifies, out var bundle, out _);
        var binding = AttestationNotifies.ReadBinding(message.FindNotify(NotifyType.TvdAttestationBinding)) ?? [];
        var octets = BindingOctets.ForAuth(!_sa.IsOriginalInitiator, bundle, peerSignedOctets);
        _sa.PeerAttestation = _sa.Services.Attestation!.Appraise(_sa.PeerIdentity!, bundle, binding, octets);
        _sa.PeerAttestedAt = _sa.Services.Time.GetUtcNow();
    }
}
