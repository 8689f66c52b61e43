using Overlay.Ike.Sa;

namespace Overlay.Ike.Attestation;

/// <summary>
/// What IKE asks of attestation; the daemon implements it over Overlay.Attest. IKE carries opaque bytes
/// (challenges, evidence bundles, checkpoints, signatures) and decides nothing about them: producing and
/// judging evidence is attestation's job, admitting a peer to a TVD is the label policy's
/// (<see cref="ILabelPolicy"/>, which gets the <see cref="IPeerAttestation"/> kept on the SA). Every method
/// is called under an IKE SA's lock and must not block: what takes time (a TPM quote) is started and
/// reported through a callback.
/// </summary>
public interface IIkeAttestation
{
    /// <summary>Our current challenge: what a peer's evidence must cover to be fresh for us. It rotates.</summary>
    byte[] CurrentChallenge { get; }

    /// <summary>
    /// Our evidence for a peer's <paramref name="peerChallenge"/>. <see cref="EvidenceStatus.Pending"/> starts
    /// what makes it (a quote) and calls <paramref name="onReady"/> once, from another thread, when asking again
    /// will give an answer; <paramref name="urgent"/> says a handshake waits for it.
    /// </summary>
    /// <param name="peerCheckpoint">What the peer told us it holds of our lists (a delta suffices), or null.</param>
    EvidenceResult GetEvidence(IkeIdentity? peer, byte[] peerChallenge, byte[]? peerCheckpoint, bool urgent, Action onReady);

    /// <summary>
    /// Appraises evidence an authenticated <paramref name="peer"/> presented. Never throws: bad evidence is an
    /// appraisal that meets nothing, with its findings.
    /// </summary>
    /// <param name="bindingOctets">What the peer's binding signature must cover (<see cref="BindingOctets"/>).</param>
    IPeerAttestation Appraise(IkeIdentity peer, byte[] bundle, byte[] binding, byte[] bindingOctets);

    /// <summary>What we hold of <paramref name="peer"/>'s measurement lists, so its next evidence may be a delta; null: nothing.</summary>
    byte[]? CheckpointFor(IkeIdentity peer);
}

/// <summary>How <see cref="IIkeAttestation.GetEvidence"/> answered.</summary>
public enum EvidenceStatus
{
    /// <summary><see cref="EvidenceResult.Evidence"/> is there.</summary>
    Ready,

    /// <summary>Being made; the callback says when to ask again.</summary>
    Pending,

    /// <summary>None can be made (the TPM does not answer): go on without, the peer admits us to what needs none.</summary>
    Unavailable,
}

/// <summary>The answer of <see cref="IIkeAttestation.GetEvidence"/>.</summary>
public readonly record struct EvidenceResult(EvidenceStatus Status, OwnEvidence? Evidence, string? Problem)
{
    public static EvidenceResult Pending { get; } = new(EvidenceStatus.Pending, null, null);

    public static EvidenceResult Ready(OwnEvidence evidence) => new(EvidenceStatus.Ready, evidence, null);

    public static EvidenceResult Unavailable(string problem) => new(EvidenceStatus.Unavailable, null, problem);
}

/// <summary>Our evidence for one peer challenge: the bundle and the ephemeral key that signs the binding octets.</summary>
/// <param name="Serial">Changes with every new quote (the peer gets a refresh when it does).</param>
public sealed record OwnEvidence(byte[] Bundle, Func<byte[], byte[]> Sign, long Serial);

/// <summary>
/// The result of appraising a peer's evidence, kept on its IKE SA and handed to the label policy. IKE only
/// reads <see cref="Summary"/> (for logs and the refusal notify); the label policy knows the concrete type.
/// </summary>
public interface IPeerAttestation
{
    /// <summary>One line: what was met and what was not, with finding ids.</summary>
    string Summary { get; }
}
