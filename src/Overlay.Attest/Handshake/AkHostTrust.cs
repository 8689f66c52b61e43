using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Overlay.Attest.Verify;

namespace Overlay.Attest.Handshake;

/// <summary>
/// Whether an AK may speak for a given host under a requirement: pinned for that host (SHA-256 of its
/// SubjectPublicKeyInfo), or certified for it — a certificate for this very key that chains to one of the
/// requirement's CAs (at the verifier's time) and names the host as its subject CN or a DNS SAN. Trust in an AK
/// is never global: h2's AK presented as h1 is refused even though h2's AK is known.
/// </summary>
internal static class AkHostTrust
{
    /// <summary>Null when trusted; otherwise an <c>ak.trust</c> or <c>ak.certificate</c> finding.</summary>
    public static VerificationFinding? Check(AkPublicKey ak, byte[]? certificate, string host, AttestationRequirement requirement, DateTimeOffset now)
    {
        var fingerprint = Convert.ToHexStringLower(ak.Fingerprint);
        if (requirement.AkPins.TryGetValue(host, out var pin) && IsPin(pin, fingerprint))
        {
            return null;
        }

        if (certificate is not null && requirement.AkCas.Count > 0)
        {
            return CertificateProblem(ak, certificate, host, requirement, now) is { } problem
                ? new VerificationFinding(problem.Id, FindingSeverity.Error, problem.Message)
                : null;
        }

        return new VerificationFinding("ak.trust", FindingSeverity.Error,
            $"AK sha256:{fingerprint} is neither pinned for host '{host}' nor certified for it by a CA of requirement '{requirement.Name}'");
    }

    private static bool IsPin(string pin, string fingerprint)
    {
        var hex = pin.StartsWith("sha256:", StringComparison.OrdinalIgnoreCase) ? pin[7..] : pin;
        return string.Equals(hex, fingerprint, StringComparison.OrdinalIgnoreCase);
    }

    private static (string Id, string Message)? CertificateProblem(AkPublicKey ak, byte[] der, string host, AttestationRequirement requirement,
        DateTimeOffset now)
    {
        try
        {
            using var cert = X509CertificateLoader.LoadCertificate(der);
            if (!cert.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(ak.SubjectPublicKeyInfo))
            {
                return ("ak.certificate", "the AK certificate is for a different key");
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(requirement.AkCas.ToArray());
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.VerificationTime = now.UtcDateTime;
            chain.ChainPolicy.VerificationTimeIgnored = false;
            if (!chain.Build(cert))
            {
                return ("ak.certificate", $"AK certificate does not chain to a CA of requirement '{requirement.Name}': " +
                    string.Join(", ", chain.ChainStatus.Select(s => s.StatusInformation.Trim())));
            }

            return Names(cert).Contains(host, StringComparer.OrdinalIgnoreCase)
                ? null
                : ("ak.trust", $"the AK certificate names {string.Join(", ", Names(cert))}, not host '{host}'");
        }
        catch (CryptographicException e)
        {
            return ("ak.certificate", $"AK certificate unreadable: {e.Message}");
        }
    }

    private static IEnumerable<string> Names(X509Certificate2 cert)
    {
        var cn = cert.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        if (!string.IsNullOrEmpty(cn))
        {
            yield return cn;
        }

        if (cert.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault() is { } san)
        {
            foreach (var dns in san.EnumerateDnsNames())
            {
                yield return dns;
            }
        }
    }
}
