using System.CommandLine;
using Overlay.Cli.Cluster;

namespace Overlay.Cli.Tests.Cluster;

/// <summary>The connection options every cluster verb shares: what is accepted, and the one line for what is not.</summary>
public sealed class ClusterOptionsTests : IDisposable
{
    private const string Pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

    private readonly string _dir = Directory.CreateTempSubdirectory("tvdctl-cluster-opts-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string File(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        System.IO.File.WriteAllText(path, text);
        return path;
    }

    private static (ClusterConnection? Connection, string Error) Read(string? environment, params string[] args)
    {
        var options = new ClusterOptions();
        var command = new RootCommand();
        options.AddTo(command);
        var parse = command.Parse(args);
        Assert.Empty(parse.Errors);
        var connection = options.TryRead(parse, out var error, name => name == ClusterOptions.EnvironmentVariable ? environment : null);
        return (connection, error);
    }

    [Fact]
    public void Endpoints_are_comma_separated_or_repeated_and_the_prefix_defaults()
    {
        var (c, _) = Read(null, "--cluster", "http://10.0.0.1:2379, http://10.0.0.2:2379", "--cluster", "http://[fd00::3]:23790");

        Assert.NotNull(c);
        Assert.Equal(["http://10.0.0.1:2379/", "http://10.0.0.2:2379/", "http://[fd00::3]:23790/"], c.Endpoints.Select(e => e.ToString()));
        Assert.Equal("/tvd-overlay/", c.Prefix);
        Assert.Equal("http://10.0.0.1:2379,http://10.0.0.2:2379,http://[fd00::3]:23790", c.EndpointList);
        Assert.Null(c.User);
    }

    [Fact]
    public void TVD_CLUSTER_is_used_when_no_option_is_given_and_the_option_wins_over_it()
    {
        Assert.Equal("http://127.0.0.1:2379", Read("http://127.0.0.1:2379", []).Connection!.EndpointList);
        Assert.Equal("http://10.9.9.9:2379", Read("http://127.0.0.1:2379", "--cluster", "http://10.9.9.9:2379").Connection!.EndpointList);
    }

    [Theory]
    [InlineData(null, "no cluster: give --cluster URL[,URL…] or set TVD_CLUSTER")]
    [InlineData("10.0.0.1:2379", "TVD_CLUSTER: '10.0.0.1:2379' is not an http:// or https:// URL")]
    [InlineData("grpc://10.0.0.1:2379", "is not an http:// or https:// URL")]
    [InlineData("http://10.0.0.1", "TVD_CLUSTER: 'http://10.0.0.1' has no port (etcd's client port is usually 2379: http://10.0.0.1:2379)")]
    [InlineData("http://10.0.0.1:0", "TVD_CLUSTER: 'http://10.0.0.1:0': port 0 is not 1-65535")]
    [InlineData("http://10.0.0.1:2379/v3", "must be scheme://host:port only")]
    [InlineData("http://root:pw@10.0.0.1:2379", "must be scheme://host:port only")]
    [InlineData("http://a:2379,,http://b:2379", "empty URL")]
    [InlineData("http://a:2379,https://b:2379", "mixes http:// and https://")]
    public void A_bad_endpoint_list_is_one_clear_line(string? environment, string expected)
    {
        var (c, error) = Read(environment, []);

        Assert.Null(c);
        Assert.Contains(expected, error);
    }

    [Theory]
    [InlineData("tvd-overlay/")]
    [InlineData("/tvd-overlay")]
    [InlineData("/")]
    [InlineData("/a//b/")]
    public void A_prefix_must_start_and_end_with_a_slash(string prefix)
    {
        var (c, error) = Read(null, "--cluster", "http://127.0.0.1:2379", "--prefix", prefix);

        Assert.Null(c);
        Assert.StartsWith($"--prefix: '{prefix}' must start and end with /", error);
    }

    [Fact]
    public void Tls_files_are_loaded_as_the_store_loads_them()
    {
        var tls = new EtcdTls(_dir);

        var (c, _) = Read(null, "--cluster", "https://etcd1:2379", "--ca", tls.Ca, "--cert", tls.ClientCert, "--key", tls.ClientKey);

        Assert.NotNull(c);
        Assert.Equal((tls.Ca, tls.ClientCert, tls.ClientKey), (c.CaFile, c.CertFile, c.KeyFile));
        Assert.NotNull(Read(null, "--cluster", "https://etcd1:2379").Connection); // the system's roots
        Assert.Contains("--ca: " + tls.ClientKey + " holds no PEM CERTIFICATE",
            Read(null, "--cluster", "https://etcd1:2379", "--ca", tls.ClientKey).Error);
        Assert.StartsWith("--ca: " + File("broken.pem", Pem) + ": ",
            Read(null, "--cluster", "https://etcd1:2379", "--ca", Path.Combine(_dir, "broken.pem")).Error);
        Assert.StartsWith($"--cert {tls.ClientCert} with --key {tls.ServerKey}: ",
            Read(null, "--cluster", "https://etcd1:2379", "--cert", tls.ClientCert, "--key", tls.ServerKey).Error);
    }

    [Fact]
    public void Tls_options_that_would_be_ignored_are_refused()
    {
        var tls = new EtcdTls(_dir);
        var (ca, cert) = (tls.Ca, tls.ClientCert);

        Assert.Contains("are for https:// endpoints", Read(null, "--cluster", "http://127.0.0.1:2379", "--ca", ca).Error);
        Assert.Contains("--cert needs --key", Read(null, "--cluster", "https://etcd1:2379", "--ca", ca, "--cert", cert).Error);
        Assert.Contains("--ca: " + Path.Combine(_dir, "none.pem") + ": no such file",
            Read(null, "--cluster", "https://etcd1:2379", "--ca", Path.Combine(_dir, "none.pem")).Error);
    }

    [Fact]
    public void The_password_is_the_first_line_of_its_file_and_comes_with_a_user()
    {
        var password = File("pw", "s3cret\nignored\n");

        var (c, _) = Read(null, "--cluster", "http://127.0.0.1:2379", "--user", "root", "--password-file", password);

        Assert.Equal(("root", "s3cret"), (c!.User, c.Password));
        Assert.Contains("--user needs --password-file", Read(null, "--cluster", "http://127.0.0.1:2379", "--user", "root").Error);
        Assert.Contains("--password-file needs --user", Read(null, "--cluster", "http://127.0.0.1:2379", "--password-file", password).Error);
        Assert.Contains("the first line is empty",
            Read(null, "--cluster", "http://127.0.0.1:2379", "--user", "root", "--password-file", File("empty", "\n")).Error);
    }

    [Fact]
    public void An_endless_password_file_is_refused_after_its_cap()
    {
        var error = Read(null, "--cluster", "http://127.0.0.1:2379", "--user", "root", "--password-file", "/dev/zero").Error;

        Assert.Contains("--password-file: /dev/zero: more than", error);
    }
}
