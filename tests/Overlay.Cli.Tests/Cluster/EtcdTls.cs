using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Overlay.Cli.Tests.Cluster;

/// <summary>
/// A throw-away PKI for a TLS etcd, made with .NET's CertificateRequest into <paramref name="directory"/>: a CA, a
/// server certificate for 127.0.0.1 and a client certificate, all PEM (keys PKCS#8), plus a second CA that signed
/// none of them.
/// </summary>
public sealed class EtcdTls
{
    public EtcdTls(string directory)
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=tvdctl test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = DateTimeOffset.UtcNow.AddMinutes(-5);
        using var ca = caRequest.CreateSelfSigned(now, now.AddDays(1));
        Ca = Write(directory, "ca.pem", ca.ExportCertificatePem());

        (ServerCert, ServerKey) = Issue(directory, "server", ca, caKey, now, server: true);
        (ClientCert, ClientKey) = Issue(directory, "client", ca, caKey, now, server: false);

        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var otherRequest = new CertificateRequest("CN=another CA", otherKey, HashAlgorithmName.SHA256);
        otherRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var other = otherRequest.CreateSelfSigned(now, now.AddDays(1));
        OtherCa = Write(directory, "other-ca.pem", other.ExportCertificatePem());
    }

    public string Ca { get; }

    public string OtherCa { get; }

    public string ServerCert { get; }

    public string ServerKey { get; }

    public string ClientCert { get; }

    public string ClientKey { get; }

    private static (string Cert, string Key) Issue(string directory, string name, X509Certificate2 ca, ECDsa caKey, DateTimeOffset now, bool server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=tvdctl test {name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(server ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (server)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddIpAddress(IPAddress.Loopback);
            san.AddDnsName("localhost");
            request.CertificateExtensions.Add(san.Build());
        }

        var serial = new byte[8];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7f;
        using var cert = request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), now, now.AddDays(1), serial);
        return (Write(directory, name + ".pem", cert.ExportCertificatePem()), Write(directory, name + "-key.pem", key.ExportPkcs8PrivateKeyPem()));
    }

    private static string Write(string directory, string name, string pem)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, pem);
        return path;
    }
}
