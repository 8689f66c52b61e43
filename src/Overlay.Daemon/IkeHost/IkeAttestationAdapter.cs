using System.Collections.Concurrent;
using Overlay.Attest.Handshake;
using Overlay.Daemon.AttestHost;
using Overlay.Ike.Attestation;
using Overlay.Ike.Sa;

namespace Overlay.Daemon.IkeHost;

/// <summary>
/// IKE's <see cref="IIkeAttestation"/> over Overlay.Attest's handshake attester and verifier: translates
/// challenges, checkpoints, evidence and appraisals between the two, with the requirements of the live policy.
/// It also remembers the last evidence it gave each peer (for <c>tvdctl attest daemon-evidence</c>).
/// </summary>
public sealed class IkeAttestationAdapter : IIkeAttestation
{
    /// <summary>Test knob: a file of evidence bytes handed out instead of our own (the lab's replay check).</summary>
    public const string ReplayVariable = "TVD_OVERLAYD_TEST_REPLAY_EVIDENCE";

    /// <summary>How long after a failed quote IKE goes on without evidence rather than wait for the next attempt.</summary>
    private static readonly TimeSpan FailureIsRecent = TimeSpan.FromSeconds(3);

    private readonly HandshakeAttestation _handshake;
    private readonly Func<IReadOnlyDictionary<string, AttestationRequirement>> _requirements;
    private readonly TimeProvider _time;
    private readonly byte[]? _replay;
    private readonly ConcurrentDictionary<string, byte[]> _lastGiven = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte[]> _lastChallenge = new(StringComparer.Ordinal);

    /// <param name="requirements">The live policy's requirements by name (read at each appraisal: a reload applies at once).</param>
    public IkeAttestationAdapter(HandshakeAttestation handshake, Func<IReadOnlyDictionary<string, AttestationRequirement>> requirements,
        TimeProvider time, byte[]? replay = null)
    {
        (_handshake, _requirements, _time, _replay) = (handshake, requirements, time, replay);
    }

    public byte[] CurrentChallenge => _handshake.Challenges.Current.Value;

    public EvidenceResult GetEvidence(IkeIdentity? peer, byte[] peerChallenge, byte[]? peerCheckpoint, bool urgent, Action onReady)
    {
        ListCheckpoint? checkpoint = peerCheckpoint is { } bytes && ListCheckpoint.TryDecode(bytes, out ListCheckpoint decoded, out _) ? decoded : null;
        PreparedEvidence? prepared = _handshake.Attester.TryGet(peerChallenge, new EvidenceRequest(checkpoint, urgent), onReady);
        if (prepared is null)
        {
            return _handshake.Attester.LastFailure is { } failure && _time.GetUtcNow() - failure.At < FailureIsRecent
                ? EvidenceResult.Unavailable($"quote failed: {failure.Reason}")
                : EvidenceResult.Pending;
        }

        byte[] bundle = _replay ?? prepared.Bundle;
        if (peer is not null)
        {
            _lastGiven[peer.ToString()] = bundle;
            _lastChallenge[peer.ToString()] = peerChallenge;
        }

        return EvidenceResult.Ready(new OwnEvidence(bundle, octets => prepared.Sign(octets), prepared.QuoteSerial));
    }

    public IPeerAttestation Appraise(IkeIdentity peer, byte[] bundle, byte[] binding, byte[] bindingOctets)
    {
        IReadOnlyDictionary<string, AttestationRequirement> requirements = _requirements();
        string host = peer.ToString();
        // Attest decides: after a log.delta its checkpoint asks for full lists, and its Standing appraisal (if any)
        // is the one that holds until they arrive.
        PeerAppraisal appraisal = _handshake.Verifier.Verify(host, bundle, binding, bindingOctets, [.. requirements.Values]);
        return new PeerAttestation(appraisal.Effective, requirements);
    }

    public byte[]? CheckpointFor(IkeIdentity peer) => _handshake.Verifier.Checkpoint(peer.ToString())?.Encode();

    /// <summary>The evidence bundle last given to <paramref name="peer"/>, if any (after the first, usually a delta of our lists).</summary>
    public byte[]? LastGiven(string peer) => _lastGiven.GetValueOrDefault(peer);

    /// <summary>
    /// What <paramref name="peer"/> was last given, with our full measurement lists instead of a delta — judgeable
    /// offline (<c>tvdctl policy explain --evidence</c>); null when the quote that answered its last challenge is no
    /// longer current (expired, or our measured state changed since).
    /// </summary>
    public byte[]? LastGivenInFull(string peer)
    {
        if (!_lastChallenge.TryGetValue(peer, out byte[]? challenge))
        {
            return null;
        }

        return _replay ?? _handshake.Attester.TryGetReady(challenge, new EvidenceRequest(null, Urgent: false))?.Bundle;
    }
}
