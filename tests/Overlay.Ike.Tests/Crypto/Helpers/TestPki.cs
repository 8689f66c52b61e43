using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Overlay.Ike.Tests.Crypto.Helpers;

/// <summary>Key types the test PKI issues.</summary>
public enum TestKey
{
    Rsa,
    EcdsaP256,
    EcdsaP384,
}

/// <summary>
/// Certificates made at test time with <see cref="CertificateRequest"/>: CAs, intermediates and
/// host certificates (RSA 2048, ECDSA P-256/P-384), including broken ones (expired, wrong key
/// usage, wrong EKU). Validity covers both the FakeTimeProvider's 2026-01-01 and the real clock
/// that charon checks with.
/// </summary>
public static class TestPki
{
    public static readonly DateTimeOffset NotBefore = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static DateTimeOffset NotAfter => DateTimeOffset.UtcNow.AddYears(2);

    private const string IpsecIkeEku = "1.3.6.1.5.5.7.3.17";
    private const string CodeSigningEku = "1.3.6.1.5.5.7.3.3";

    public static X509Certificate2 CreateCa(string cn, TestKey key = TestKey.Rsa, X509Certificate2? issuer = null)
    {
        using var k = NewKey(key);
        var req = Request($"CN={cn}, O=TVD Overlay Test", k);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        return Issue(req, k, issuer, NotBefore, NotAfter);
    }

    /// <param name="dns">subjectAltName dNSName; the subject CN is the same name.</param>
    /// <param name="usage">keyUsage; hosts sign, so digitalSignature unless a test wants it wrong.</param>
    /// <param name="eku">extendedKeyUsage OIDs; null leaves the extension out.</param>
    public static X509Certificate2 CreateHost(string dns, X509Certificate2 issuer, TestKey key = TestKey.Rsa,
        X509KeyUsageFlags usage = X509KeyUsageFlags.DigitalSignature, string[]? eku = null, DateTimeOffset? notAfter = null)
    {
        using var k = NewKey(key);
        var req = Request($"CN={dns}, O=TVD Overlay Test", k);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(usage, true));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(dns);
        req.CertificateExtensions.Add(san.Build());
        if (eku is not null)
        {
            var oids = new OidCollection();
            foreach (var o in eku)
            {
                oids.Add(new Oid(o));
            }

            req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(oids, false));
        }

        return Issue(req, k, issuer, NotBefore, notAfter ?? NotAfter);
    }

    public static string[] IkeEku => [IpsecIkeEku];

    public static string[] CodeSigningOnly => [CodeSigningEku];

    private static AsymmetricAlgorithm NewKey(TestKey key) => key switch
    {
        TestKey.Rsa => RSA.Create(2048),
        TestKey.EcdsaP384 => ECDsa.Create(ECCurve.NamedCurves.nistP384),
        _ => ECDsa.Create(ECCurve.NamedCurves.nistP256),
    };

    private static CertificateRequest Request(string subject, AsymmetricAlgorithm key) => key switch
    {
        RSA rsa => new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        ECDsa ec => new CertificateRequest(subject, ec, HashAlgorithmName.SHA256),
        _ => throw new ArgumentException("unsupported key", nameof(key)),
    };

    /// <summary>Self-signed without <paramref name="issuer"/>; else signed by its key, whatever type that is.</summary>
    private static X509Certificate2 Issue(CertificateRequest req, AsymmetricAlgorithm key, X509Certificate2? issuer, DateTimeOffset from, DateTimeOffset to)
    {
        var serial = RandomNumberGenerator.GetBytes(8);
        serial[0] &= 0x7F;
        X509Certificate2 cert;
        if (issuer is null)
        {
            cert = req.Create(req.SubjectName, Generator(key), from, to, serial);
        }
        else
        {
            req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer, true, false));
            using var issuerKey = (AsymmetricAlgorithm?)issuer.GetRSAPrivateKey() ?? issuer.GetECDsaPrivateKey()!;
            cert = req.Create(issuer.SubjectName, Generator(issuerKey), from, to, serial);
        }

        using (cert)
        {
            var withKey = key switch
            {
                RSA rsa => cert.CopyWithPrivateKey(rsa),
                ECDsa ec => cert.CopyWithPrivateKey(ec),
                _ => throw new ArgumentException("unsupported key", nameof(key)),
            };
            // Round trip through PKCS#12 so the key is usable on every platform after the ephemeral one is disposed.
            return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
        }
    }

    private static X509SignatureGenerator Generator(AsymmetricAlgorithm key) => key switch
    {
        RSA rsa => X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1),
        ECDsa ec => X509SignatureGenerator.CreateForECDsa(ec),
        _ => throw new ArgumentException("unsupported key", nameof(key)),
    };

    public static string CertificatePem(X509Certificate2 cert) => cert.ExportCertificatePem();

    /// <summary>The private key as unencrypted PKCS#8 PEM (what swanctl's private/ directory loads).</summary>
    public static string PrivateKeyPem(X509Certificate2 cert)
        => ((AsymmetricAlgorithm?)cert.GetRSAPrivateKey() ?? cert.GetECDsaPrivateKey()!).ExportPkcs8PrivateKeyPem();
}
