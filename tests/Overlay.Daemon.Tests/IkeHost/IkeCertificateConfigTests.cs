using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Overlay.Daemon.Configuration;
using Overlay.Daemon.IkeHost;
using Overlay.Daemon.Tests.Support;
using Overlay.Ike.Sa;

namespace Overlay.Daemon.Tests.IkeHost;

/// <summary>
/// [ike] certificate / private_key / ca and [[ike.peer]] auth: PEM files made at test time (a root CA,
/// an intermediate, host certificates), what reaches the IKE SA's configuration, and every bad file or
/// missing piece as an error at its file:line:column (exit 2 for the daemon).
/// </summary>
public sealed class IkeCertificateConfigTests : IDisposable
{
    private const string Base = "[daemon]\nhost = \"h1\"\n\n[dataplane]\nunderlay = \"10.200.0.1\"\n\n[[dataplane.peer]]\nname = \"moon\"\naddress = \"10.200.0.2\"\n\n";

    private readonly TempDirectory _dir = new();
    private readonly X509Certificate2 _root;
    private readonly X509Certificate2 _intermediate;
    private readonly X509Certificate2 _h1;
    private readonly X509Certificate2 _other;

    public IkeCertificateConfigTests()
    {
        _root = SelfSignedCa("CN=tvd test root");
        _intermediate = Issue(_root, "CN=tvd test intermediate", ca: true, ECDsa.Create(ECCurve.NamedCurves.nistP256));
        _h1 = Issue(_intermediate, "CN=h1", ca: false, ECDsa.Create(ECCurve.NamedCurves.nistP256), san: "h1");
        _other = Issue(_root, "CN=other", ca: false, ECDsa.Create(ECCurve.NamedCurves.nistP256), san: "other");
        Write("root.pem", _root.ExportCertificatePem());
        Write("h1.pem", _h1.ExportCertificatePem() + "\n" + _intermediate.ExportCertificatePem());
        Write("h1.key", _h1.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        Write("other.key", _other.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
    }

    private string ConfigPath => _dir.File("overlayd.toml");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_certificate_makes_pubkey_the_default_and_reaches_the_ike_sa_config()
    {
        ConfigLoadResult result = Load(Base + """
            [ike]
            certificate = "h1.pem"
            private_key = "h1.key"
            ca = ["root.pem"]
            """);

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        IkeConfig ike = result.Config!.Ike!;
        var peer = new IkePeer(result.Config.DataPlane!.Peers[0], ike, System.Net.IPAddress.Parse("10.200.0.1"), "h1");
        Assert.Equal(IkeAuth.Pubkey, peer.Auth);
        IkeSaConfig sa = peer.IkeConfig([]);
        Assert.Empty(sa.PreSharedKey); // a PSK AUTH from the peer is refused
        Assert.Equal(_h1.Thumbprint, sa.LocalCertificate!.Certificate.Thumbprint);
        Assert.True(sa.LocalCertificate.Certificate.HasPrivateKey);
        Assert.Equal([_intermediate.Thumbprint], sa.LocalCertificate.Intermediates.Select(c => c.Thumbprint));
        Assert.Equal([_root.Thumbprint], sa.TrustedCas!.Select(c => c.Thumbprint));
    }

    [Fact]
    public void A_peer_with_its_own_psk_or_auth_psk_keeps_the_psk_without_certificates()
    {
        ConfigLoadResult result = Load(Base + """
            [[dataplane.peer]]
            name = "sun"
            address = "10.200.0.3"

            [ike]
            shared_psk = true
            psk = "a-long-enough-psk"
            certificate = "h1.pem"
            private_key = "h1.key"
            ca = ["root.pem"]

            [[ike.peer]]
            name = "moon"
            psk = "moons-own-psk"

            [[ike.peer]]
            name = "sun"
            auth = "psk"
            """);

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        foreach ((PeerConfig dataPlanePeer, string psk) in result.Config!.DataPlane!.Peers.Zip(["moons-own-psk", "a-long-enough-psk"]))
        {
            var peer = new IkePeer(dataPlanePeer, result.Config.Ike!, System.Net.IPAddress.Parse("10.200.0.1"), "h1");
            IkeSaConfig sa = peer.IkeConfig([]);
            Assert.Equal((IkeAuth.Psk, psk), (peer.Auth, System.Text.Encoding.UTF8.GetString(sa.PreSharedKey)));
            Assert.Null(sa.LocalCertificate);
            Assert.Null(sa.TrustedCas);
        }
    }

    [Fact]
    public void A_traditional_rsa_key_file_is_read()
    {
        using RSA rsa = RSA.Create(2048);
        X509Certificate2 h1 = Issue(_root, "CN=h1", ca: false, rsa, san: "h1");
        Write("rsa.pem", h1.ExportCertificatePem());
        Write("rsa.key", rsa.ExportRSAPrivateKeyPem()); // -----BEGIN RSA PRIVATE KEY-----

        ConfigLoadResult result = Load(Base + "[ike]\ncertificate = \"rsa.pem\"\nprivate_key = \"rsa.key\"\nca = [\"root.pem\"]\n");

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.NotNull(result.Config!.Ike!.Certificate!.Certificate.GetRSAPrivateKey());
        Assert.Empty(result.Config.Ike.Certificate.Intermediates);
    }

    [Theory]
    [InlineData("certificate = \"h1.pem\"\nprivate_key = \"other.key\"\nca = [\"root.pem\"]\n", "13:15", "'private_key'", "is not the unencrypted private key of \"CN=h1\"")]
    [InlineData("certificate = \"missing.pem\"\nprivate_key = \"h1.key\"\nca = [\"root.pem\"]\n", "12:15", "'certificate': cannot read certificate file", "missing.pem")]
    [InlineData("certificate = \"h1.pem\"\nprivate_key = \"h1.key\"\nca = [\"h1.key\"]\n", "14:6", "'ca'", "holds no PEM certificate")]
    [InlineData("certificate = \"h1.pem\"\nprivate_key = \"h1.key\"\n", "7:3", "peer 'moon' authenticates with auth = \"pubkey\"", "needs ca = ")]
    [InlineData("certificate = \"h1.pem\"\nca = [\"root.pem\"]\n", "12:15", "'certificate' and 'private_key' go together", "")]
    [InlineData("psk = \"a-long-enough-psk\"\nshared_psk = true\nca = [\"root.pem\"]\n\n[[ike.peer]]\nname = \"moon\"\nauth = \"pubkey\"\n", "16:3", "auth = \"pubkey\": set certificate and private_key", "")]
    [InlineData("\n[[ike.peer]]\nname = \"moon\"\npsk = \"moons-own-psk\"\nauth = \"rsa\"\n", "16:8", "'auth' must be \"psk\" or \"pubkey\", not \"rsa\"", "")]
    public void Bad_certificate_settings_are_errors_at_their_position(string ike, string at, string message, string detail)
    {
        ConfigLoadResult result = Load(Base + "[ike]\n" + ike);

        Assert.False(result.Succeeded);
        ConfigError error = Assert.Single(result.Errors);
        Assert.Contains(message, error.Message);
        Assert.Contains(detail, error.Message);
        Assert.Equal(ConfigPath, error.Location.File);
        Assert.Equal(at, $"{error.Location.Line}:{error.Location.Column}");
    }

    [Fact]
    public async Task The_daemon_exits_2_when_the_key_is_not_the_certificates()
    {
        using var daemon = new DaemonProcess(extraConfig: $"""
            [dataplane]
            underlay = "127.0.0.1"

            [[dataplane.peer]]
            name = "host2"
            address = "127.0.0.2"

            [ike]
            certificate = "{_dir.File("h1.pem")}"
            private_key = "{_dir.File("other.key")}"
            ca = ["{_dir.File("root.pem")}"]
            """);

        daemon.Start();

        Assert.Equal(2, await daemon.WaitForExitAsync());
        await daemon.ExpectOutputMatchAsync($@"{System.Text.RegularExpressions.Regex.Escape(daemon.ConfigFile)}:\d+:\d+: error: 'private_key': .* is not the unencrypted private key of ""CN=h1""");
    }

    private ConfigLoadResult Load(string text) => DaemonConfigLoader.Load(text, ConfigPath);

    private void Write(string name, string text) => File.WriteAllText(_dir.File(name), text);

    private static X509Certificate2 SelfSignedCa(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    /// <summary>A certificate for <paramref name="key"/> signed by <paramref name="issuer"/>, with its private key attached.</summary>
    private static X509Certificate2 Issue(X509Certificate2 issuer, string subject, bool ca, AsymmetricAlgorithm key, string? san = null)
    {
        CertificateRequest request = key is RSA rsa
            ? new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : new CertificateRequest(subject, (ECDsa)key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(ca ? X509KeyUsageFlags.KeyCertSign : X509KeyUsageFlags.DigitalSignature, true));
        if (san is not null)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName(san);
            request.CertificateExtensions.Add(names.Build());
        }

        byte[] serial = RandomNumberGenerator.GetBytes(8);
        serial[0] &= 0x7f;
        // The generator overload: our CAs are ECDSA, a host key may be RSA.
        using ECDsa issuerKey = issuer.GetECDsaPrivateKey()!;
        using X509Certificate2 certificate = request.Create(issuer.SubjectName, X509SignatureGenerator.CreateForECDsa(issuerKey),
            DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(12), serial);
        return key is RSA r ? certificate.CopyWithPrivateKey(r) : certificate.CopyWithPrivateKey((ECDsa)key);
    }
}
