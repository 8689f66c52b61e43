namespace Overlay.Attest.Handshake;

/// <summary>
/// Fixed values of attested handshakes (docs/attestation.md "Attested handshakes: evidence for IKE"): the labels,
/// sizes and the bounds every decoder applies to what it reads from the wire. Tunables (periods, batch windows,
/// lifetimes) are in <see cref="AttesterOptions"/> and the <see cref="HandshakeVerifier"/> constructor.
/// </summary>
public static class HandshakeConstants
{
    /// <summary>Domain-separation label at the start of the qualifyingData pre-image.</summary>
    public const string QualifyingDataLabel = "TVD-IKE-ATTEST/v1";

    /// <summary>A verifier's challenge: 32 random bytes (the Merkle leaf data).</summary>
    public const int ChallengeSize = 32;

    /// <summary>SHA-256, the hash of the Merkle tree, the key fingerprint and the qualifyingData.</summary>
    public const int HashSize = 32;

    /// <summary>A host id is 1..255 bytes of UTF-8 (a DNS name is at most 253).</summary>
    public const int MaxHostIdLength = 255;

    /// <summary>Audit paths longer than this are refused: 2^32 leaves is more than any batch.</summary>
    public const int MaxProofDepth = 32;

    /// <summary>An ECDSA P-256 SubjectPublicKeyInfo is 91 bytes; anything much larger is not one.</summary>
    public const int MaxEphemeralKeyLength = 256;

    /// <summary>
    /// Bound on the decompressed bytes of all measurement lists in one bundle, enforced while decompressing (never
    /// taken from a length field). A 10,000-entry ima-ng list is about 1.1 MB.
    /// </summary>
    public const int MaxListBytes = 16 << 20;

    /// <summary>Bound on an encoded bundle (compressed lists included).</summary>
    public const int MaxBundleLength = 16 << 20;

    /// <summary>At most this many measurement lists (sources) in a bundle or a checkpoint.</summary>
    public const int MaxLists = 8;
}
