using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Overlay.Cluster.Tests.Etcd;

/// <summary>A throw-away CA with a server certificate for 127.0.0.1/localhost and a client certificate, as PEM files in a
/// temporary directory (removed on dispose). <see cref="OtherCaCert"/> is a second CA that signed nothing here.</summary>
public sealed class TestPki : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tvd-cluster-pki-").FullName;
    private readonly bool _serverIpSan;

    /// <param name="serverIpSan">whether the server certificate names 127.0.0.1 (it always names localhost).</param>
    public TestPki(bool serverIpSan = true)
    {
        _serverIpSan = serverIpSan;
        var now = DateTimeOffset.Now;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=tvd test ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));
        CaCert = Write("ca.pem", ca.ExportCertificatePem());

        (ServerCert, ServerKey) = Issue(ca, "server", true);
        (ClientCert, ClientKey) = Issue(ca, "client", false);

        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var otherRequest = new CertificateRequest("CN=some other ca", otherKey, HashAlgorithmName.SHA256);
        otherRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var other = otherRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));
        OtherCaCert = Write("other-ca.pem", other.ExportCertificatePem());
    }

    public string CaCert { get; }
    public string ServerCert { get; }
    public string ServerKey { get; }
    public string ClientCert { get; }
    public string ClientKey { get; }
    public string OtherCaCert { get; }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (string Cert, string Key) Issue(X509Certificate2 ca, string name, bool server)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [server ? new Oid("1.3.6.1.5.5.7.3.1") : new Oid("1.3.6.1.5.5.7.3.2")], false));
        if (server)
        {
            var san = new SubjectAlternativeNameBuilder();
            if (_serverIpSan)
            {
                san.AddIpAddress(IPAddress.Loopback);
            }

            san.AddDnsName("localhost");
            request.CertificateExtensions.Add(san.Build());
        }

        var now = DateTimeOffset.Now;
        using var cert = request.Create(ca, now.AddHours(-1), now.AddHours(12), RandomNumberGenerator.GetBytes(8));
        return (Write($"{name}.pem", cert.ExportCertificatePem()), Write($"{name}-key.pem", key.ExportPkcs8PrivateKeyPem()));
    }

    private string Write(string name, string pem)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, pem);
        return path;
    }
}
