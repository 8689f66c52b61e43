using System.Security.Cryptography.X509Certificates;

namespace Overlay.Ike.Crypto.Certificates;

/// <summary>
/// Our certificate identity: the end-entity certificate with its private key (RSA or ECDSA), the
/// intermediate CA certificates sent with it in CERT payloads (RFC 7296 §3.6), and for RSA whether
/// to sign with RSASSA-PSS instead of PKCS#1 v1.5 when RFC 7427 signatures are negotiated.
/// </summary>
public sealed record CertificateCredential(X509Certificate2 Certificate, IReadOnlyList<X509Certificate2> Intermediates, bool UseRsaPss = false)
{
    /// <summary>The CERT payload data of this credential: end-entity first, then the intermediates (§3.6).</summary>
    public IEnumerable<byte[]> CertificateChain => new[] { Certificate }.Concat(Intermediates).Select(c => c.RawData);
}
