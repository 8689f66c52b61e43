using System.Security.Cryptography.X509Certificates;

namespace Overlay.Attest.Verify;

/// <summary>What a verifier trusts: AK pins and/or CAs for AK certificates, and reference values.</summary>
public sealed class VerifierPolicy
{
    /// <summary>Trusted AKs by lowercase hex SHA-256 of their DER SubjectPublicKeyInfo (<see cref="AkPublicKey.Fingerprint"/>).</summary>
    public HashSet<string> PinnedAkFingerprints { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Roots for AK certificates carried in evidence; an AK is trusted when its certificate chains to one.</summary>
    public X509Certificate2Collection TrustedAkCas { get; } = [];

    /// <summary>Known-good measurements; when null, entries are replayed but not judged.</summary>
    public ReferenceValues? References { get; set; }

    public VerifierPolicy PinAk(AkPublicKey key)
    {
        PinnedAkFingerprints.Add(Convert.ToHexStringLower(key.Fingerprint));
        return this;
    }
}
