using System.Security.Cryptography;
using System.Text.Json;
using Overlay.Cluster.Keys;
using Overlay.Cluster.Records;

namespace Overlay.Cli.Tests.Cluster;

/// <summary>
/// <c>tvdctl host enroll|unenroll</c> and <c>tvdctl hosts --cluster</c> against a real etcd: registrations written
/// as a daemon writes them (Overlay.Cluster's records, under a lease), judged as every daemon judges them.
/// </summary>
public sealed class HostsCommandTests : IClassFixture<ClusterFixture>, IDisposable
{
    private readonly ClusterFixture _cluster;
    private readonly string _dir = Directory.CreateTempSubdirectory("tvdctl-hosts-").FullName;

    public HostsCommandTests(ClusterFixture cluster) => _cluster = cluster;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>An AK-like P-256 public key as PEM (what status --json's ak.pem holds) and its SPKI SHA-256.</summary>
    private (string Path, string Fingerprint) AkPem(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var spki = key.ExportSubjectPublicKeyInfo();
        var path = Path.Combine(_dir, name + ".pem");
        File.WriteAllText(path, PemEncoding.WriteString("PUBLIC KEY", spki));
        return (path, Convert.ToHexStringLower(SHA256.HashData(spki)));
    }

    private static JsonElement Host(JsonDocument doc, string name) =>
        doc.RootElement.GetProperty("hosts").EnumerateArray().Single(h => h.GetProperty("host").GetString() == name);

    [EtcdFact]
    public async Task Enrolled_hosts_with_their_AK_are_admitted_and_a_different_AK_is_ignored_as_ak_mismatch()
    {
        var keys = ClusterFixture.NewKeys();
        Assert.Equal(0, _cluster.Tvdctl(keys, "policy", "push", CliRunner.ExamplePolicy).ExitCode); // hosts host1, host2
        var (pem1, ak1) = AkPem("host1");
        var (_, ak2) = AkPem("host2");
        var (_, impostor) = AkPem("impostor");
        await using (var store = _cluster.OpenStore())
        {
            await ClusterFixture.RegisterAsync(store, keys, ClusterFixture.Registration("host1", ak1, ["red", "blue"]), TimeSpan.FromSeconds(60));
            await ClusterFixture.RegisterAsync(store, keys, ClusterFixture.Registration("host2", impostor), TimeSpan.FromSeconds(60));
            await ClusterFixture.RegisterAsync(store, keys, ClusterFixture.Registration("host9", ak1), TimeSpan.FromSeconds(60));
        }

        var enroll1 = _cluster.Tvdctl(keys, "host", "enroll", "host1", "--ak", pem1);
        var enroll2 = _cluster.Tvdctl(keys, "host", "enroll", "host2", "--ak", "sha256:" + ak2.ToUpperInvariant(), "--json");
        var hosts = _cluster.Tvdctl(keys, "hosts", "--json");
        var table = _cluster.Tvdctl(keys, "hosts");

        Assert.Equal(0, enroll1.ExitCode);
        Assert.Contains($"enrolled host1 with AK sha256:{ak1} at", enroll1.StdOut);
        Assert.Equal(0, enroll2.ExitCode);
        using (var e = JsonDocument.Parse(enroll2.StdOut))
        {
            Assert.Equal(ak2, e.RootElement.GetProperty("ak_sha256").GetString());
            Assert.False(e.RootElement.GetProperty("replaced").GetBoolean());
            Assert.Equal(keys.Enroll("host2"), e.RootElement.GetProperty("key").GetString());
        }

        Assert.Equal(0, hosts.ExitCode);
        using var doc = JsonDocument.Parse(hosts.StdOut);
        Assert.Equal("cluster", doc.RootElement.GetProperty("source").GetString());
        Assert.Equal(1, doc.RootElement.GetProperty("policy_version").GetInt64());
        Assert.Equal(["host1", "host2", "host9"], doc.RootElement.GetProperty("hosts").EnumerateArray().Select(h => h.GetProperty("host").GetString()));
        var h1 = Host(doc, "host1");
        Assert.Equal(("admitted", JsonValueKind.Null), (h1.GetProperty("state").GetString(), h1.GetProperty("reason").ValueKind));
        Assert.Equal(ak1, h1.GetProperty("ak_sha256").GetString());
        Assert.Equal(ak1, h1.GetProperty("enrollment").GetProperty("ak_sha256").GetString());
        Assert.Equal(["red", "blue"], h1.GetProperty("tvds").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal((500, 4500), (h1.GetProperty("ike_port").GetInt32(), h1.GetProperty("natt_port").GetInt32()));
        Assert.Equal("embedded_swtpm", h1.GetProperty("tpm").GetString());
        Assert.Equal("2030-01-02T03:04:05Z", h1.GetProperty("registered_at").GetString());
        Assert.InRange(h1.GetProperty("lease_ttl_s").GetInt64(), 30, 60);
        var h2 = Host(doc, "host2");
        Assert.Equal(("ignored", "ak_mismatch"), (h2.GetProperty("state").GetString(), h2.GetProperty("reason").GetString()));
        Assert.Equal(impostor, h2.GetProperty("ak_sha256").GetString());
        Assert.Equal(ak2, h2.GetProperty("enrollment").GetProperty("ak_sha256").GetString());
        Assert.Equal("not_in_policy", Host(doc, "host9").GetProperty("reason").GetString());
        Assert.Empty(doc.RootElement.GetProperty("enrolled_not_registered").EnumerateArray());

        Assert.Equal(0, table.ExitCode);
        Assert.Contains("3 registered hosts, 1 admitted, 2 ignored (judged against policy version 1)", table.StdOut);
        Assert.Matches(@"(?m)^host1 +admitted +10\.200\.0\.\d+ +500/4500 +sha256:[0-9a-f]{16}… +embedded_swtpm +red,blue +\d+s$", table.StdOut);
        Assert.Matches(@"(?m)^host2 +ignored: ak_mismatch ", table.StdOut);
        Assert.Contains("host2: ak_mismatch: registered AK sha256:", table.StdOut);
    }

    [EtcdFact]
    public async Task Unenroll_makes_the_host_not_enrolled_and_a_no_ak_enrollment_does_not_meet_an_attested_policy()
    {
        var keys = ClusterFixture.NewKeys();
        Assert.Equal(0, _cluster.Tvdctl(keys, "policy", "push", CliRunner.ExamplePolicy).ExitCode); // red requires attestation
        var (pem, ak) = AkPem("host1");
        await using (var store = _cluster.OpenStore())
        {
            await ClusterFixture.RegisterAsync(store, keys, ClusterFixture.Registration("host1", ak), TimeSpan.FromSeconds(60));
            await ClusterFixture.RegisterAsync(store, keys, ClusterFixture.Registration("host2"), TimeSpan.FromSeconds(60));
        }

        Assert.Equal(0, _cluster.Tvdctl(keys, "host", "enroll", "host1", "--ak", pem).ExitCode);
        Assert.Equal(0, _cluster.Tvdctl(keys, "host", "enroll", "host2", "--no-ak").ExitCode);
        Assert.Equal(0, _cluster.Tvdctl(keys, "host", "enroll", "host3", "--no-ak").ExitCode);
        var unenroll = _cluster.Tvdctl(keys, "host", "unenroll", "host1");
        var again = _cluster.Tvdctl(keys, "host", "unenroll", "host1");
        var hosts = _cluster.Tvdctl(keys, "hosts", "--json");

        Assert.Equal(0, unenroll.ExitCode);
        Assert.Equal(2, again.ExitCode);
        Assert.Contains("host1 is not enrolled", again.StdErr);
        using var doc = JsonDocument.Parse(hosts.StdOut);
        Assert.Equal("not_enrolled", Host(doc, "host1").GetProperty("reason").GetString());
        Assert.Equal(JsonValueKind.Null, Host(doc, "host1").GetProperty("enrollment").ValueKind);
        var h2 = Host(doc, "host2");
        Assert.Equal("ak_mismatch", h2.GetProperty("reason").GetString());
        Assert.Contains("requires attestation", h2.GetProperty("detail").GetString());
        Assert.Equal(JsonValueKind.Null, h2.GetProperty("enrollment").GetProperty("ak_sha256").ValueKind);
        Assert.Equal(["host3"], doc.RootElement.GetProperty("enrolled_not_registered").EnumerateArray().Select(h => h.GetString()));
    }

    [EtcdFact]
    public void Re_enrolling_says_what_it_replaced()
    {
        var keys = ClusterFixture.NewKeys();
        var (pem1, ak1) = AkPem("old");
        var (_, ak2) = AkPem("new");
        Assert.Equal(0, _cluster.Tvdctl(keys, "host", "enroll", "host1", "--ak", pem1).ExitCode);

        var r = _cluster.Tvdctl(keys, "host", "enroll", "host1", "--ak", "sha256:" + ak2, "--json");

        using var doc = JsonDocument.Parse(r.StdOut);
        Assert.True(doc.RootElement.GetProperty("replaced").GetBoolean());
        Assert.Equal(ak1, doc.RootElement.GetProperty("previous_ak_sha256").GetString());
        Assert.Equal(ak2, doc.RootElement.GetProperty("ak_sha256").GetString());
    }

    [EtcdFact]
    public async Task Without_a_policy_in_the_store_every_host_is_not_in_policy_with_a_warning()
    {
        var keys = ClusterFixture.NewKeys();
        await using (var store = _cluster.OpenStore())
        {
            await ClusterFixture.RegisterAsync(store, keys, ClusterFixture.Registration("host1"), TimeSpan.FromSeconds(60));
            await store.PutAsync(keys.Host("host2"), "{\"host\":\"host2\"}"u8.ToArray(), 0, CancellationToken.None);
        }

        var r = _cluster.Tvdctl(keys, "hosts", "--json");

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("warning: no policy in the store", r.StdErr);
        using var doc = JsonDocument.Parse(r.StdOut);
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("policy_version").ValueKind);
        Assert.Equal("not_in_policy", Host(doc, "host1").GetProperty("reason").GetString());
        var invalid = Host(doc, "host2");
        Assert.Equal("invalid_record", invalid.GetProperty("reason").GetString());
        Assert.Equal(JsonValueKind.Null, invalid.GetProperty("ike_port").ValueKind);
        Assert.Equal(JsonValueKind.Null, invalid.GetProperty("lease_ttl_s").ValueKind);
        Assert.Empty(invalid.GetProperty("underlay").EnumerateArray());
    }

    [Theory]
    [InlineData(new[] { "host", "enroll", "host1", "--cluster", "http://127.0.0.1:2379" }, "give exactly one of --ak FILE|sha256:HEX and --no-ak")]
    [InlineData(new[] { "host", "enroll", "host1", "--no-ak", "--ak", "sha256:00", "--cluster", "http://127.0.0.1:2379" }, "give exactly one of")]
    [InlineData(new[] { "host", "enroll", "host1", "--ak", "sha256:abcd", "--cluster", "http://127.0.0.1:2379" }, "is not sha256: followed by 64 hex digits")]
    [InlineData(new[] { "host", "enroll", "host1", "--ak", "/nonexistent/ak.pem", "--cluster", "http://127.0.0.1:2379" }, "/nonexistent/ak.pem: no such file")]
    [InlineData(new[] { "host", "enroll", "host1", "--ak", "{dir}/text", "--cluster", "http://127.0.0.1:2379" }, "/text: not a TPM2B_PUBLIC")]
    [InlineData(new[] { "host", "enroll", "../etc", "--no-ak", "--cluster", "http://127.0.0.1:2379" }, "'../etc' is not a host name")]
    [InlineData(new[] { "hosts", "--cluster", "http://127.0.0.1:2379/v3" }, "must be scheme://host:port only")]
    public void Bad_input_exits_2_with_one_line_before_the_store_is_asked(string[] args, string expected)
    {
        File.WriteAllText(Path.Combine(_dir, "text"), "not a key\n");

        var r = CliRunner.Run(args.Select(a => a.Replace("{dir}", _dir, StringComparison.Ordinal)).ToArray());

        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.StdOut);
        Assert.Contains(expected, Assert.Single(r.StdErr.TrimEnd('\n').Split('\n')));
    }
}
