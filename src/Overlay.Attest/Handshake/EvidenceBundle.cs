using Overlay.Attest.Quote;

namespace Overlay.Attest.Handshake;

/// <summary>
/// A measurement list as a bundle carries it, decompressed: the whole list (<see cref="Base"/> 0), or only the
/// entries after the first <see cref="Base"/> ones (a delta from a checkpoint the verifier said it holds).
/// </summary>
public sealed record BundleList(MeasurementSource Source, int Base, ReadOnlyMemory<byte> Binary);

/// <summary>
/// What an attester hands one verifier for one of its challenges (encoding: <see cref="EvidenceBundleCodec"/>).
/// It names the host and the ephemeral key K_e, shows where the verifier's challenge sits in the quoted batch, and
/// carries the quote with its AK, PCR values and measurement lists. It proves nothing about a handshake by itself:
/// K_e's signature over the handshake's binding octets, checked with <see cref="EphemeralKey"/>, does that.
/// </summary>
public sealed class EvidenceBundle
{
    /// <summary>The attester's host id, as committed to in the qualifyingData.</summary>
    public required string HostId { get; init; }

    /// <summary>K_e, the ephemeral ECDSA P-256 key, as DER SubjectPublicKeyInfo.</summary>
    public required byte[] EphemeralKey { get; init; }

    /// <summary>The verifier's challenge this bundle answers (the Merkle leaf data).</summary>
    public required byte[] Challenge { get; init; }

    public required MerkleProof Proof { get; init; }

    /// <summary>Quote, signature, AK (TPM2B_PUBLIC), PCR values and AK certificate; its Logs are always empty.</summary>
    public required Evidence Quote { get; init; }

    /// <summary>
    /// The attester says its TPM is a software TPM. Self-declared: an honest host cannot be mistaken for hardware,
    /// but a dishonest one can claim anything; only the AK's enrolment (pin or certificate) vouches for hardware.
    /// </summary>
    public bool SoftwareTpm { get; init; }

    public IReadOnlyList<BundleList> Lists { get; init; } = [];
}
