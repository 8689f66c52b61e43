using System.Security.Cryptography;
using Overlay.Attest.Verify;

namespace Overlay.Attest.Handshake;

public sealed partial class HandshakeVerifier
{
    /// <summary>
    /// The checks that tie the bundle to this handshake, this host and this verifier; returns our challenge it
    /// answers (null when it answers none). Cheap: one hash per tree level and one ECDSA verification.
    /// </summary>
    private AttestationChallenge? CheckBinding(string expectedHostId, EvidenceBundle bundle, ReadOnlySpan<byte> binding,
        ReadOnlySpan<byte> bindingOctets, List<VerificationFinding> findings)
    {
        if (!string.Equals(bundle.HostId, expectedHostId, StringComparison.Ordinal))
        {
            findings.Add(new("binding.host", FindingSeverity.Error,
                $"the evidence is for host '{bundle.HostId}', not for the peer '{expectedHostId}' of this handshake"));
        }

        if (!Challenges.TryFind(bundle.Challenge, out var challenge))
        {
            findings.Add(new("challenge.unknown", FindingSeverity.Error,
                "the evidence answers a challenge this verifier did not issue or has forgotten (old or foreign evidence)", Recoverable: true));
            challenge = null;
        }

        var proof = bundle.Proof;
        if (!MerkleTree.VerifyInclusion(bundle.Challenge, proof.LeafIndex, proof.TreeSize, proof.Path, proof.Root))
        {
            findings.Add(new("merkle.proof", FindingSeverity.Error,
                $"the challenge is not leaf {proof.LeafIndex} of {proof.TreeSize} under the root the evidence names"));
        }

        if (VerifyBinding(bundle.EphemeralKey, binding, bindingOctets) is { } problem)
        {
            findings.Add(new("binding", FindingSeverity.Error, problem));
        }

        return challenge;
    }

    /// <summary>Null when K_e is an ECDSA P-256 key and its DER signature over the binding octets verifies.</summary>
    private static string? VerifyBinding(byte[] spki, ReadOnlySpan<byte> signature, ReadOnlySpan<byte> bindingOctets)
    {
        // The one form K_e takes: a P-256 point, uncompressed. Checked on the bytes, which is exact and far cheaper
        // than asking OpenSSL for the curve of an imported key.
        if (spki.Length != P256SpkiPrefix.Length + 64 || !spki.AsSpan().StartsWith(P256SpkiPrefix))
        {
            return "the ephemeral key is not an uncompressed ECDSA P-256 SubjectPublicKeyInfo";
        }

        try
        {
            using var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(spki, out _);

            return key.VerifyData(bindingOctets, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence)
                ? null
                : "the ephemeral key's signature over this handshake's binding octets does not verify";
        }
        catch (CryptographicException e)
        {
            return $"the ephemeral key is unusable: {e.Message}";
        }
    }

    /// <summary>
    /// DER of SubjectPublicKeyInfo { AlgorithmIdentifier { id-ecPublicKey, prime256v1 }, BIT STRING { 0x04 … } } up to
    /// the point's 64 coordinate bytes (RFC 5480 §2).
    /// </summary>
    private static ReadOnlySpan<byte> P256SpkiPrefix =>
    [
        0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
        0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04,
    ];
}
