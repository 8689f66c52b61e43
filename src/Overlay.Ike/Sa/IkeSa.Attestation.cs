using Overlay.Ike.Attestation;
using Overlay.Ike.Tasks;

namespace Overlay.Ike.Sa;

/// <summary>
/// Attested IKE on one SA (docs/protocol.md): both sides announced it in IKE_SA_INIT with a challenge each,
/// each presents evidence covering the other's challenge in IKE_AUTH, and while the SA lives each sends a new
/// challenge when its own rotates and fresh evidence when the peer's challenge changed or its own measured
/// state did (<see cref="MaintainAttestation"/>, INFORMATIONAL exchanges of <see cref="AttestRefreshTask"/>).
/// </summary>
public sealed partial class IkeSa
{
    /// <summary>Both sides announced TVD_ATTESTATION_SUPPORTED (and we run attestation).</summary>
    public bool AttestationNegotiated { get; internal set; }

    /// <summary>The peer's latest challenge: what our evidence must cover.</summary>
    internal byte[] PeerChallenge { get; set; } = [];

    /// <summary>What the peer said it holds of our measurement lists (a delta suffices), if anything.</summary>
    internal byte[]? PeerCheckpoint { get; set; }

    /// <summary>The challenge we gave the peer last (in IKE_SA_INIT or a refresh).</summary>
    internal byte[] ChallengeSent { get; set; } = [];

    /// <summary>The quote serial and peer challenge of the evidence we sent last; -1 before any.</summary>
    internal (long Serial, byte[] Challenge) EvidenceSent { get; set; } = (-1, []);

    /// <summary>The appraisal of the peer's latest evidence; null while it presented none.</summary>
    public IPeerAttestation? PeerAttestation { get; internal set; }

    /// <summary>When <see cref="PeerAttestation"/> was last set (IKE_AUTH or a refresh).</summary>
    public DateTimeOffset? PeerAttestedAt { get; internal set; }

    /// <summary>Why we could not present evidence to the peer, when we could not.</summary>
    public string? OwnEvidenceProblem { get; internal set; }

    /// <summary>Evidence refreshes the peer sent us, and ones we sent it.</summary>
    public int RefreshesReceived { get; internal set; }

    public int RefreshesSent { get; internal set; }

    /// <summary>
    /// Keeps attestation going on an established SA; the daemon calls it periodically (it is cheap when there
    /// is nothing to do). A rotated challenge of ours goes to the peer; our evidence goes to the peer when it
    /// covers a challenge the peer has not seen evidence for, or comes from a newer quote (our measured state
    /// changed). What is not ready yet is prepared, and this runs again when it is.
    /// </summary>
    public void MaintainAttestation()
    {
        lock (Sync)
        {
            if (State != IkeSaState.Established || !AttestationNegotiated || SupersededBy is not null || Services.Attestation is not { } attestation)
            {
                return;
            }

            if (Tasks.HasAttestationWork)
            {
                return; // one refresh at a time; the one queued builds from the state it finds
            }

            bool challengeDue = !attestation.CurrentChallenge.AsSpan().SequenceEqual(ChallengeSent);
            EvidenceResult evidence = attestation.GetEvidence(PeerIdentity, PeerChallenge, PeerCheckpoint, urgent: false, MaintainAttestation);
            bool evidenceDue = evidence.Evidence is { } own && (own.Serial != EvidenceSent.Serial || !PeerChallenge.AsSpan().SequenceEqual(EvidenceSent.Challenge));
            OwnEvidenceProblem = evidence.Problem;
            if (challengeDue || evidenceDue)
            {
                Tasks.Queue(new AttestRefreshTask(this));
                Tasks.Initiate();
            }
        }
    }

    /// <summary>
    /// Builds again what waited for our evidence (<see cref="TaskStatus.Wait"/>): the request we were about to
    /// send, or the response we were about to give. Called by attestation when the evidence is ready, and by
    /// the wait timer when it took too long.
    /// </summary>
    public void ResumeDeferred()
    {
        lock (Sync)
        {
            if (State != IkeSaState.Destroyed)
            {
                Tasks.ResumeDeferred();
            }
        }
    }
}
