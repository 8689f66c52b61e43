using System.Diagnostics;
using Overlay.Cluster.Store;

namespace Overlay.Cli.Tests.Cluster;

/// <summary>
/// The cluster verbs against an etcd in the states an operator meets: full (<c>mvcc: database space exceeded</c>,
/// then recovered the way docs/cli.md says), and with authentication on (--user/--password-file right and wrong).
/// Each test runs its own etcd.
/// </summary>
public sealed class ClusterStoreStateTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tvdctl-state-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Policy(long version)
    {
        var path = Path.Combine(_dir, $"v{version}.toml");
        File.WriteAllText(path, File.ReadAllText(CliRunner.ExamplePolicy)
            .Replace("version = 1\n", version == 1 ? "version = 1\n" : $"version = {version}\nreplaces = {version - 1}\n", StringComparison.Ordinal)
            .Replace("reference_values = \"reference.txt\"", "reference_values = \"/etc/tvd-overlay/reference.txt\"", StringComparison.Ordinal));
        return path;
    }

    [EtcdFact]
    public async Task A_full_store_is_exit_1_saying_what_the_operator_does_and_after_it_a_push_works()
    {
        using var etcd = new EtcdServer("--quota-backend-bytes", (1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await using (var store = new EtcdClusterStore(new ClusterStoreOptions { Endpoints = [new Uri(etcd.Url)] }))
        {
            var filler = new byte[300 * 1024];
            Random.Shared.NextBytes(filler);
            // etcd checks its quota against the backend's size, which grows as batches are committed (every 100 ms):
            // keep writing, at most 20 s, until it refuses.
            var full = false;
            var clock = Stopwatch.StartNew();
            for (var i = 0; !full && clock.Elapsed < TimeSpan.FromSeconds(20); i++)
            {
                try
                {
                    await store.PutAsync($"/fill/{i % 64}", filler, 0, CancellationToken.None);
                    if (i >= 8)
                    {
                        await Task.Delay(100);
                    }
                }
                catch (ClusterStoreException e) when (e.Kind == ClusterStoreErrorKind.SpaceExceeded)
                {
                    full = true;
                }
            }

            Assert.True(full, "etcd never reported database space exceeded");
        }

        var refused = CliRunner.Run("policy", "push", Policy(1), "--cluster", etcd.Url);

        Assert.Equal(1, refused.ExitCode);
        Assert.Equal("", refused.StdOut);
        Assert.Equal($"tvdctl: policy push: etcd at {etcd.Url} is full (etcdserver: mvcc: database space exceeded): nothing was written; " +
            "an operator compacts, defragments and disarms the NOSPACE alarm (docs/cluster.md, \"Store hygiene\")\n", refused.StdErr);

        // What the operator does: free space (here: the filler), compact to the current revision, defragment, disarm.
        Assert.Equal(0, etcd.Etcdctl("del", "--prefix", "/fill/").ExitCode);
        var status = etcd.Etcdctl("endpoint", "status", "--write-out", "json");
        var revision = System.Text.RegularExpressions.Regex.Match(status.StdOut, "\"revision\":(\\d+)").Groups[1].Value;
        Assert.Equal(0, etcd.Etcdctl("compact", revision).ExitCode);
        Assert.Equal(0, etcd.Etcdctl("defrag").ExitCode);
        Assert.Equal(0, etcd.Etcdctl("alarm", "disarm").ExitCode);

        var pushed = CliRunner.Run("policy", "push", Policy(1), "--cluster", etcd.Url);

        Assert.Equal(0, pushed.ExitCode);
        Assert.Contains("pushed policy acme-dc version 1", pushed.StdOut);
    }

    [EtcdFact]
    public void With_auth_on_the_user_and_password_file_are_used_and_wrong_ones_are_exit_2()
    {
        using var etcd = new EtcdServer();
        Assert.Equal(0, etcd.Etcdctl("user", "add", "root", "--new-user-password", "s3cret-root").ExitCode);
        Assert.Equal(0, etcd.Etcdctl("user", "grant-role", "root", "root").ExitCode);
        Assert.Equal(0, etcd.Etcdctl("auth", "enable").ExitCode);
        var right = Path.Combine(_dir, "right");
        var wrong = Path.Combine(_dir, "wrong");
        File.WriteAllText(right, "s3cret-root\n");
        File.WriteAllText(wrong, "guess\n");

        var anonymous = CliRunner.Run("policy", "push", Policy(1), "--cluster", etcd.Url);
        var bad = CliRunner.Run("policy", "push", Policy(1), "--cluster", etcd.Url, "--user", "root", "--password-file", wrong);
        var good = CliRunner.Run("policy", "push", Policy(1), "--cluster", etcd.Url, "--user", "root", "--password-file", right);
        var hosts = CliRunner.Run("hosts", "--cluster", etcd.Url, "--user", "root", "--password-file", right);

        Assert.NotEqual(0, anonymous.ExitCode);
        Assert.Contains($"tvdctl: policy push: etcd at {etcd.Url}", anonymous.StdErr);
        Assert.Equal(2, bad.ExitCode);
        Assert.StartsWith($"tvdctl: policy push: etcd at {etcd.Url}: authentication failed: ", bad.StdErr);
        Assert.Contains("(check --ca, --cert/--key, --user/--password-file)", bad.StdErr);
        Assert.Equal(0, good.ExitCode);
        Assert.Equal(0, hosts.ExitCode);
        Assert.DoesNotContain("s3cret", good.All + bad.All + anonymous.All);
    }

    [EtcdFact]
    public void Over_https_the_ca_and_client_certificate_are_used_and_a_wrong_ca_or_none_is_refused()
    {
        var tls = new EtcdTls(_dir);
        using var etcd = new EtcdServer(tls);

        var good = CliRunner.Run("policy", "push", Policy(1), "--cluster", etcd.Url, "--ca", tls.Ca, "--cert", tls.ClientCert, "--key", tls.ClientKey);
        var hosts = CliRunner.Run("hosts", "--cluster", etcd.Url, "--ca", tls.Ca, "--cert", tls.ClientCert, "--key", tls.ClientKey, "--json");
        var otherCa = CliRunner.Run("policy", "rollout", "--cluster", etcd.Url, "--ca", tls.OtherCa, "--cert", tls.ClientCert, "--key", tls.ClientKey);
        var noClientCert = CliRunner.Run("policy", "rollout", "--cluster", etcd.Url, "--ca", tls.Ca);

        Assert.Equal(0, good.ExitCode);
        Assert.StartsWith($"pushed policy acme-dc version 1 (replaces none, sha256 ", good.StdOut);
        Assert.Contains($"to {etcd.Url} ", good.StdOut);
        Assert.Equal(0, hosts.ExitCode);
        Assert.Equal(2, otherCa.ExitCode);
        Assert.Contains(": authentication failed: ", otherCa.StdErr);
        Assert.Contains("certificate", otherCa.StdErr);
        foreach (var refused in new[] { otherCa, noClientCert })
        {
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Equal("", refused.StdOut);
            Assert.StartsWith($"tvdctl: policy rollout: etcd at {etcd.Url}", Assert.Single(refused.StdErr.TrimEnd('\n').Split('\n')));
        }
    }

    [EtcdFact]
    public void An_etcd_that_stops_mid_wait_ends_the_wait_at_its_time_with_exit_1_or_a_clear_line()
    {
        using var etcd = new EtcdServer();
        Assert.Equal(0, CliRunner.Run("policy", "push", Policy(1), "--cluster", etcd.Url).ExitCode);
        var clock = Stopwatch.StartNew();

        var rollout = Task.Run(() => CliRunner.Run("policy", "rollout", "--wait", "6", "--cluster", etcd.Url));
        Thread.Sleep(1500);
        etcd.Stop();
        var r = rollout.GetAwaiter().GetResult();

        Assert.Equal(1, r.ExitCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(25), $"took {clock.Elapsed}");
        Assert.Contains($"etcd at {etcd.Url} is unavailable", r.StdErr);
    }
}
