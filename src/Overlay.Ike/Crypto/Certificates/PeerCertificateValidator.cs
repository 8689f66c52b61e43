using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Overlay.Ike.Encoding.Payloads;

namespace Overlay.Ike.Crypto.Certificates;

/// <summary>
/// Decides whether the peer's CERT payloads prove its IDi/IDr (RFC 7296 §2.15, §3.6; RFC 4945 §3
/// for what an IKE certificate must satisfy): the first X.509 CERT is the end-entity certificate,
/// the others are intermediates; the chain must end at one of our configured CAs (custom root trust,
/// no online revocation or downloads), be valid at <c>now</c>, allow digitalSignature and an IKE
/// extended key usage, and the ID must be its subject DN or one of its subjectAltNames.
/// Every failure comes back as a sentence for the log and FailureReason; nothing throws on peer data.
/// </summary>
public static class PeerCertificateValidator
{
    private const string IpsecIkeEku = "1.3.6.1.5.5.7.3.17"; // RFC 4945 §5.1.3.12
    private const string ServerAuthEku = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthEku = "1.3.6.1.5.5.7.3.2";
    private const string AnyEku = "2.5.29.37.0";

    public static X509Certificate2? Validate(IEnumerable<CertificatePayload> certs, IReadOnlyList<X509Certificate2> trustedCas,
        IdentificationPayload id, DateTimeOffset now, out string reason)
    {
        var x509 = certs.Where(c => c.Encoding == CertificateEncoding.X509Signature).ToList();
        if (x509.Count == 0)
        {
            reason = "peer sent no X.509 certificate";
            return null;
        }

        var parsed = new List<X509Certificate2>();
        foreach (var c in x509)
        {
            try
            {
                parsed.Add(X509CertificateLoader.LoadCertificate(c.Data));
            }
            catch (CryptographicException e)
            {
                reason = $"unreadable certificate in CERT payload: {e.Message}";
                return null;
            }
        }

        var endEntity = parsed[0];
        reason = CheckChain(endEntity, parsed.Skip(1), trustedCas, now) ?? CheckUsage(endEntity) ?? CheckIdentity(endEntity, id) ?? "";
        return reason.Length == 0 ? endEntity : null;
    }

    private static string? CheckChain(X509Certificate2 endEntity, IEnumerable<X509Certificate2> intermediates, IReadOnlyList<X509Certificate2> trustedCas, DateTimeOffset now)
    {
        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.AddRange(trustedCas.ToArray());
        policy.ExtraStore.AddRange(intermediates.ToArray());
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.DisableCertificateDownloads = true;
        policy.VerificationTime = now.UtcDateTime;
        if (chain.Build(endEntity))
        {
            return null;
        }

        var problems = chain.ChainStatus.Select(s => s.Status.ToString()).Distinct();
        return $"certificate chain of \"{endEntity.Subject}\" does not verify: {string.Join(", ", problems)}";
    }

    private static string? CheckUsage(X509Certificate2 cert)
    {
        if (cert.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault() is { } ku
            && !ku.KeyUsages.HasFlag(X509KeyUsageFlags.DigitalSignature))
        {
            return $"key usage of \"{cert.Subject}\" ({ku.KeyUsages}) lacks digitalSignature";
        }

        if (cert.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault() is { } eku
            && !eku.EnhancedKeyUsages.Cast<Oid>().Any(o => o.Value is IpsecIkeEku or ServerAuthEku or ClientAuthEku or AnyEku))
        {
            return $"extended key usage of \"{cert.Subject}\" allows no IKE use";
        }

        return null;
    }

    private static string? CheckIdentity(X509Certificate2 cert, IdentificationPayload id)
    {
        var san = cert.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        var matches = id.IdType switch
        {
            IdType.DerAsn1Dn => SameDistinguishedName(cert.SubjectName, id.Data),
            IdType.Fqdn => san?.EnumerateDnsNames().Any(n => string.Equals(n, System.Text.Encoding.ASCII.GetString(id.Data), StringComparison.OrdinalIgnoreCase)) == true,
            IdType.Ipv4Address or IdType.Ipv6Address when id.Data.Length is 4 or 16
                => san?.EnumerateIPAddresses().Any(a => a.Equals(new IPAddress(id.Data))) == true,
            _ => false,
        };
        return matches ? null : $"ID {Sa.IkeIdentity.FromPayload(id)} ({id.IdType}) matches neither subject nor subjectAltName of \"{cert.Subject}\"";
    }

    /// <summary>Same octets, or the same RDNs once decoded (peers may re-encode string types).</summary>
    private static bool SameDistinguishedName(X500DistinguishedName subject, byte[] der)
    {
        if (subject.RawData.AsSpan().SequenceEqual(der))
        {
            return true;
        }

        try
        {
            var other = new X500DistinguishedName(der);
            return string.Equals(subject.Format(false), other.Format(false), StringComparison.Ordinal);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>CERTREQ content (RFC 7296 §3.7): the SHA-1 hashes of our CAs' SubjectPublicKeyInfo, concatenated.</summary>
    public static byte[] CertificateAuthorityHashes(IEnumerable<X509Certificate2> cas)
        => cas.SelectMany(ca => SHA1.HashData(ca.PublicKey.ExportSubjectPublicKeyInfo())).ToArray();
}
