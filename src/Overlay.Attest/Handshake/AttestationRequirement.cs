using System.Security.Cryptography.X509Certificates;
using Overlay.Attest.Structures;
using Overlay.Attest.Verify;

namespace Overlay.Attest.Handshake;

/// <summary>
/// What a TVD demands of a peer's evidence (the policy's <c>[[attestation]]</c> entry).
/// <list type="bullet">
/// <item><see cref="Pcrs"/>: the quote must cover these. With <see cref="References"/>, every measurement-list entry
/// extending one of its SHA-256 PCRs is judged, and each of those PCRs must be zero or explained by a list.</item>
/// <item><see cref="MaxAge"/>: the verifier's challenge the evidence answers is at most this old.</item>
/// <item><see cref="AllowSoftwareTpm"/>: whether evidence that declares a software TPM is acceptable.</item>
/// <item><see cref="AkPins"/> (host id → lowercase hex SHA-256 of the AK's SubjectPublicKeyInfo, "sha256:" prefix
/// allowed) and <see cref="AkCas"/> (an AK certificate chaining to one of these, for this key, whose subject CN or a
/// DNS SAN is the host id): the AK must be trusted for the host it speaks for; an unknown AK is refused.</item>
/// </list>
/// Names are unique within one verification. Judgements of entries are remembered per requirement name and
/// <see cref="References"/> instance: new reference values start over (and need the full lists once).
/// </summary>
public sealed record AttestationRequirement(string Name, PcrSelection Pcrs, ReferenceValues? References, TimeSpan MaxAge,
    bool AllowSoftwareTpm, IReadOnlyDictionary<string, string> AkPins, IReadOnlyList<X509Certificate2> AkCas)
{
    /// <summary>The PCRs of the SHA-256 bank (the bank lists are replayed in), ascending.</summary>
    internal int[] ListPcrs() =>
        Pcrs.Banks.Where(b => b.HashAlg == TpmConstants.AlgSha256).SelectMany(b => b.Pcrs).Distinct().Order().ToArray();
}
