using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Overlay.Daemon.Configuration;
using Overlay.Daemon.Tests.Support;

namespace Overlay.Daemon.Tests.Configuration;

/// <summary><c>[cluster]</c>: files mode without it, the contract's defaults, every key checked and used, every problem located.</summary>
public sealed class ClusterConfigTests : IDisposable
{
    private const string Daemon = "[daemon]\nhost = \"h1\"\n";
    private const string DataPlane = "[dataplane]\nunderlay = \"10.0.0.1\"\n";
    private readonly TempDirectory _dir = new();

    private string ConfigPath => _dir.File("overlayd.toml");

    public void Dispose() => _dir.Dispose();

    private ConfigLoadResult Load(string cluster) => DaemonConfigLoader.Load($"{Daemon}\n[cluster]\n{cluster}\n{DataPlane}", ConfigPath);

    [Fact]
    public void Without_a_cluster_table_the_daemon_is_in_files_mode()
    {
        ConfigLoadResult result = DaemonConfigLoader.Load(Daemon, ConfigPath);

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.Null(result.Config!.Cluster);
    }

    [Fact]
    public void Only_endpoints_given_takes_the_documented_defaults()
    {
        ConfigLoadResult result = Load("endpoints = [\"http://127.0.0.1:2379\", \"http://[::1]:22379\"]");

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        ClusterConfig c = result.Config!.Cluster!;
        Assert.Equal(["http://127.0.0.1:2379/", "http://[::1]:22379/"], c.Endpoints.Select(e => e.ToString()));
        Assert.Equal("/tvd-overlay/", c.Prefix);
        Assert.False(c.Tls);
        Assert.Null(c.CaFile);
        Assert.Null(c.User);
        Assert.Equal(TimeSpan.FromMilliseconds(2000), c.DialTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(5000), c.RequestTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), c.LeaseTtl);
        Assert.Equal(TimeSpan.FromSeconds(10), c.PeerGrace);
        Assert.Equal(TimeSpan.FromSeconds(30), c.EpochPeriod);
        Assert.Equal(new ConfigLocation(ConfigPath, 4, 2), c.Location);
    }

    [Fact]
    public void Every_key_is_taken_with_relative_paths_resolved_against_the_config()
    {
        WriteTlsFiles();
        File.WriteAllText(_dir.File("etcd.pass"), "s3cret\nignored second line\n");
        ConfigLoadResult result = Load("""
            endpoints = ["https://etcd1.example:2379"]
            prefix = "/lab/a/"
            ca = "ca.pem"
            cert = "client.pem"
            key = "client.key"
            user = "overlay"
            password_file = "etcd.pass"
            dial_timeout_ms = 500
            request_timeout_ms = 1500
            lease_ttl_s = 5
            peer_grace_s = 0
            epoch_period_s = 3
            """);

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        ClusterConfig c = result.Config!.Cluster!;
        Assert.True(c.Tls);
        Assert.Equal("/lab/a/", c.Prefix);
        Assert.Equal(_dir.File("ca.pem"), c.CaFile);
        Assert.Equal(_dir.File("client.pem"), c.CertFile);
        Assert.Equal(_dir.File("client.key"), c.KeyFile);
        Assert.Equal("overlay", c.User);
        Assert.Equal(_dir.File("etcd.pass"), c.PasswordFile);
        Assert.Equal("s3cret", ClusterConfigReader.ReadPassword(c.PasswordFile!, out _));
        Assert.Equal(TimeSpan.FromMilliseconds(500), c.DialTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), c.RequestTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), c.LeaseTtl);
        Assert.Equal(TimeSpan.Zero, c.PeerGrace);
        Assert.Equal(TimeSpan.FromSeconds(3), c.EpochPeriod);
    }

    [Theory]
    [InlineData("prefix = \"/x/\"", "4:2: error: missing endpoints = [\"...\"]")]
    [InlineData("endpoints = []", "5:13: error: 'endpoints' needs at least one etcd client URL")]
    [InlineData("endpoints = \"http://127.0.0.1:2379\"", "5:13: error: 'endpoints' must be an array of strings")]
    [InlineData("endpoints = [\"127.0.0.1:2379\"]", "5:14: error: 'endpoints' holds \"127.0.0.1:2379\": an etcd client URL is http://host:port")]
    [InlineData("endpoints = [\"http://127.0.0.1\"]", "5:14: error: 'endpoints' holds \"http://127.0.0.1\"")]
    [InlineData("endpoints = [\"unix:///run/etcd.sock\"]", "5:14: error: 'endpoints' holds \"unix:///run/etcd.sock\"")]
    [InlineData("endpoints = [\"http://127.0.0.1:2379/v3\"]", "5:14: error: 'endpoints' holds \"http://127.0.0.1:2379/v3\"")]
    [InlineData("endpoints = [\"http://u:p@127.0.0.1:2379\"]", "5:14: error: 'endpoints' holds")]
    [InlineData("endpoints = [\"http://a:2379\", \"http://a:2379\"]", "5:31: error: 'http://a:2379' is listed twice in 'endpoints'")]
    [InlineData("endpoints = [\"http://a:2379\", \"https://b:2379\"]", "5:31: error: 'endpoints' mixes http and https")]
    [InlineData("endpoints = [\"https://a:2379\"]", "5:13: error: https endpoints need ca = ")]
    [InlineData("endpoints = [\"http://a:2379\"]\nca = \"ca.pem\"", "6:6: error: 'ca' is for TLS, but the endpoints are http")]
    [InlineData("endpoints = [\"http://a:2379\"]\nprefix = \"tvd\"", "6:10: error: 'prefix' \"tvd\": prefix must start and end with '/'")]
    [InlineData("endpoints = [\"http://a:2379\"]\nprefix = \"/tvd\"", "6:10: error: 'prefix' \"/tvd\": prefix must start and end with '/'")]
    [InlineData("endpoints = [\"http://a:2379\"]\nprefix = \"/a b/\"", "6:10: error: 'prefix' \"/a b/\": prefix must be printable ASCII without spaces")]
    [InlineData("endpoints = [\"http://a:2379\"]\nprefix = \"/a//b/\"", "6:10: error: 'prefix' \"/a//b/\": prefix must not contain an empty segment")]
    [InlineData("endpoints = [\"http://a:2379\"]\nuser = \"overlay\"", "6:8: error: 'user' and 'password_file' come together (etcd authentication): set 'password_file'")]
    [InlineData("endpoints = [\"http://a:2379\"]\npassword_file = \"p\"", "6:17: error: 'user' and 'password_file' come together (etcd authentication): set 'user'")]
    [InlineData("endpoints = [\"http://a:2379\"]\nuser = \"o\"\npassword_file = \"missing\"", "7:17: error: cannot read password_file")]
    [InlineData("endpoints = [\"http://a:2379\"]\nlease_ttl_s = 1", "6:15: error: 'lease_ttl_s' must be an integer in 2..3600")]
    [InlineData("endpoints = [\"http://a:2379\"]\npeer_grace_s = -1", "6:16: error: 'peer_grace_s' must be an integer in 0..3600")]
    [InlineData("endpoints = [\"http://a:2379\"]\nepoch_period_s = 0", "6:18: error: 'epoch_period_s' must be an integer in 1..86400")]
    [InlineData("endpoints = [\"http://a:2379\"]\ndial_timeout_ms = 0", "6:19: error: 'dial_timeout_ms' must be an integer in 1..60000")]
    [InlineData("endpoints = [\"http://a:2379\"]\nrequest_timeout_ms = \"5s\"", "6:22: error: 'request_timeout_ms' must be an integer in 1..600000")]
    [InlineData("endpoints = [\"http://a:2379\"]\nttl = 10", "6:1: error: unknown key 'ttl' in [cluster] (known: endpoints, prefix, ca, cert, key, user, password_file,")]
    public void A_bad_cluster_table_is_a_located_error(string body, string expected)
    {
        ConfigLoadResult result = Load(body);

        Assert.False(result.Succeeded);
        Assert.Contains(result.Errors, e => e.ToString().StartsWith($"{ConfigPath}:{expected}", StringComparison.Ordinal));
    }

    [Fact]
    public void Tls_files_are_read_when_the_config_is_and_cert_and_key_come_together()
    {
        WriteTlsFiles();
        File.WriteAllText(_dir.File("empty.pem"), "");

        Assert.Contains(Load("endpoints = [\"https://a:2379\"]\nca = \"ca.pem\"\ncert = \"client.pem\"").Errors,
            e => e.ToString().StartsWith($"{ConfigPath}:7:8: error: 'cert' and 'key' come together", StringComparison.Ordinal));
        Assert.Contains(Load("endpoints = [\"https://a:2379\"]\nca = \"empty.pem\"").Errors,
            e => e.ToString().StartsWith($"{ConfigPath}:6:6: error: ca '{_dir.File("empty.pem")}' holds no PEM certificate", StringComparison.Ordinal));
        Assert.Contains(Load("endpoints = [\"https://a:2379\"]\nca = \"nothere.pem\"").Errors,
            e => e.ToString().StartsWith($"{ConfigPath}:6:6: error: cannot read ca", StringComparison.Ordinal));
        Assert.Contains(Load("endpoints = [\"https://a:2379\"]\nca = \"ca.pem\"\ncert = \"client.pem\"\nkey = \"other.key\"").Errors,
            e => e.ToString().StartsWith($"{ConfigPath}:7:8: error: cannot load the client certificate", StringComparison.Ordinal));
        Assert.True(Load("endpoints = [\"https://a:2379\"]\nca = \"ca.pem\"").Succeeded);
    }

    [Fact]
    public void With_ike_the_inventory_peers_need_certificates_or_the_shared_key()
    {
        ConfigLoadResult result = DaemonConfigLoader.Load(
            $"{Daemon}{DataPlane}[ike]\n[cluster]\nendpoints = [\"http://a:2379\"]\n", ConfigPath);

        Assert.Contains(result.Errors, e => e.ToString().StartsWith($"{ConfigPath}:6:2: error: peers from the cluster inventory have no [[ike.peer]]",
            StringComparison.Ordinal));

        result = DaemonConfigLoader.Load(
            $"{Daemon}{DataPlane}[ike]\npsk = \"0123456789abcdef0123456789abcdef\"\nshared_psk = true\n[cluster]\nendpoints = [\"http://a:2379\"]\n", ConfigPath);
        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
    }

    [Fact]
    public void A_cluster_needs_the_data_plane_whose_underlay_it_registers()
    {
        ConfigLoadResult result = DaemonConfigLoader.Load($"{Daemon}\n[cluster]\nendpoints = [\"http://a:2379\"]\n", ConfigPath);

        Assert.Contains(result.Errors, e => e.ToString() == $"{ConfigPath}:4:2: error: [cluster] needs [dataplane]: this host registers its underlay address and ports for its peers");
    }

    [Fact]
    public void The_cluster_example_loads_once_its_key_is_put_in()
    {
        string path = Path.Combine(RepoFiles.Root, "examples", "cluster", "overlayd.toml");
        string text = File.ReadAllText(path).Replace("REPLACE with: openssl rand -base64 32", "dGVzdCBrZXkgb2YgdGhlIGNsdXN0ZXIgZXhhbXBsZQ==", StringComparison.Ordinal);

        ConfigLoadResult result = DaemonConfigLoader.Load(text, path);

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.Equal(3, result.Config!.Cluster!.Endpoints.Count);
        Assert.Empty(result.Config.DataPlane!.Peers); // the peers come from the inventory
        Assert.Contains(DaemonConfigLoader.LoadFile(path).Errors, e => e.Message.Contains("placeholder", StringComparison.Ordinal)); // as shipped: a key must be put in
    }

    private void WriteTlsFiles()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=test etcd CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using X509Certificate2 ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(_dir.File("ca.pem"), ca.ExportCertificatePem());

        using var clientKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=overlay", clientKey, HashAlgorithmName.SHA256);
        using X509Certificate2 client = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), [1, 2, 3]);
        File.WriteAllText(_dir.File("client.pem"), client.ExportCertificatePem());
        File.WriteAllText(_dir.File("client.key"), clientKey.ExportPkcs8PrivateKeyPem());
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        File.WriteAllText(_dir.File("other.key"), otherKey.ExportPkcs8PrivateKeyPem());
    }
}
