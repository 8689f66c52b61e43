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
        try
        {
            using var key = ECDsa.Create();
            key.ImportSubjectPublicKeyInfo(spki, out var read);
            if (read != spki.Length || key.ExportParameters(false).Curve.Oid?.Value != P256Oid)
            {
                return "the ephemeral key is not an ECDSA P-256 SubjectPublicKeyInfo";
            }

            return key.VerifyData(bindingOctets, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence)
                ? null
                : "the ephemeral key's signature over this handshake's binding octets does not verify";
        }
        catch (CryptographicException e)
        {
            return $"the ephemeral key is unusable: {e.Message}";
        }
    }

    private const string P256Oid = "1.2.840.10045.3.1.7";
}
