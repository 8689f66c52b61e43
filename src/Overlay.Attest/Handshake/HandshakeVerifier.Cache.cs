using System.Collections.Concurrent;
using System.Security.Cryptography;
using Overlay.Attest.Verify;

namespace Overlay.Attest.Handshake;

public sealed partial class HandshakeVerifier
{
    private readonly ConcurrentDictionary<string, VerifiedBundle> _lastVerified = new(StringComparer.Ordinal);

    /// <summary>
    /// The same bundle again: between two hosts every handshake until the next quote presents the very same bytes, so
    /// after the first verification only what depends on the handshake is checked again — the binding signature
    /// (with the ephemeral key imported once), that the challenge is still one of ours and young enough for every
    /// requirement. Everything else (the quote, the lists, the judgements) is a function of the bundle, the host's
    /// record and the requirements, so it is reused while all three are the very same objects; any change to them —
    /// a newer quote of the host moved its record, a reload brought new requirements — verifies in full again.
    /// </summary>
    private bool TryCached(string host, byte[] digest, ReadOnlySpan<byte> binding, ReadOnlySpan<byte> bindingOctets,
        IReadOnlyList<AttestationRequirement> requirements, DateTimeOffset now, out PeerAppraisal appraisal)
    {
        appraisal = null!;
        if (!_lastVerified.TryGetValue(host, out VerifiedBundle? cached)
            || !CryptographicOperations.FixedTimeEquals(cached.Digest, digest)
            || !ReferenceEquals(cached.Record, _hosts.Get(host))
            || !SameRequirements(cached.Requirements, requirements)
            || !Challenges.TryFind(cached.Challenge.Value, out _)
            || requirements.Any(r => now - cached.Challenge.IssuedAt > r.MaxAge))
        {
            return false;
        }

        if (!cached.Key.VerifyData(bindingOctets, binding, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence))
        {
            return false; // not this handshake's binding: the full path says so, with its finding
        }

        appraisal = new PeerAppraisal
        {
            HostId = host,
            ChallengeIssuedAt = cached.Challenge.IssuedAt,
            VerifiedAt = now,
            Findings = cached.Appraisal.Findings,
            Verdicts = cached.Appraisal.Verdicts,
            AkFingerprint = cached.Appraisal.AkFingerprint,
            SoftwareTpm = cached.Appraisal.SoftwareTpm,
        };
        return true;
    }

    /// <summary>Keeps a full verification for the next handshakes that present the same bundle (one per host).</summary>
    private void Remember(string host, byte[] digest, EvidenceBundle bundle, AttestationChallenge challenge,
        IReadOnlyList<AttestationRequirement> requirements, PeerAppraisal appraisal)
    {
        ECDsa key = ECDsa.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(bundle.EphemeralKey, out _);
        }
        catch (CryptographicException)
        {
            key.Dispose();
            return;
        }

        // A replaced key is left to its finalizer: another thread may be verifying with it right now.
        _lastVerified[host] = new VerifiedBundle(digest, _hosts.Get(host), [.. requirements], challenge, key, appraisal);
    }

    private static bool SameRequirements(AttestationRequirement[] cached, IReadOnlyList<AttestationRequirement> requirements)
    {
        if (cached.Length != requirements.Count)
        {
            return false;
        }

        for (int i = 0; i < cached.Length; i++)
        {
            if (!ReferenceEquals(cached[i], requirements[i]))
            {
                return false;
            }
        }

        return true;
    }

    private sealed record VerifiedBundle(byte[] Digest, HostRecord? Record, AttestationRequirement[] Requirements,
        AttestationChallenge Challenge, ECDsa Key, PeerAppraisal Appraisal);
}
