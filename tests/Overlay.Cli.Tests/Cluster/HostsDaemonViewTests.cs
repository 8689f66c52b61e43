using System.Text.Json;
using Overlay.Cli.Cluster;

namespace Overlay.Cli.Tests.Cluster;

/// <summary>
/// <c>tvdctl hosts</c> without <c>--cluster</c>: the local daemon's view through its control verb <c>hosts</c>. A real
/// daemon in files mode refuses it (exit 2, the daemon's words); the table is checked on the document docs/daemon.md
/// gives for a daemon in cluster mode.
/// </summary>
public sealed class HostsDaemonViewTests() : ExampleDaemonTests("tvdctl-hosts-daemon-")
{
    private static readonly Dictionary<string, string> NoCluster = new() { ["TVD_CLUSTER"] = "" };

    [Fact]
    public void Without_a_cluster_and_without_a_daemon_it_exits_2_saying_the_daemon_is_not_running()
    {
        var r = CliRunner.RunWith(NoCluster, "hosts", "--socket", Socket);

        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.StdOut);
        Assert.Contains("not running", r.StdErr);
    }

    [Fact]
    public void Socket_asks_the_daemon_even_with_TVD_CLUSTER_set_and_not_together_with_cluster()
    {
        var withEnv = CliRunner.RunWith(new Dictionary<string, string> { ["TVD_CLUSTER"] = "http://127.0.0.1:1" }, "hosts", "--socket", Socket);
        var both = CliRunner.Run("hosts", "--socket", Socket, "--cluster", "http://127.0.0.1:1");

        Assert.Equal(2, withEnv.ExitCode);
        Assert.Contains("not running", withEnv.StdErr);
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("give --cluster (the store's view) or --socket (a daemon's view), not both", both.StdErr);
    }

    [Fact]
    public void A_daemon_that_refuses_the_verb_is_exit_2_with_its_reason()
    {
        StartDaemon();

        var r = CliRunner.RunWith(NoCluster, "hosts", "--json", "--socket", Socket);

        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.StdOut);
        Assert.StartsWith("tvdctl: tvd-overlayd refused the request: ", r.StdErr);
    }

    [Fact]
    public void The_daemons_document_is_a_table_of_admitted_grace_and_ignored_hosts()
    {
        using var doc = JsonDocument.Parse("""
            {"self":"host1","connected":false,"revision":1234,
             "admitted":[
               {"host":"host3","state":"grace","grace_until":"2026-12-06T12:05:10Z","address":"10.0.0.3","underlay":["10.0.0.3"],
                "ike_port":500,"natt_port":4500,"ak_sha256":"","tpm":"none","tvds":["green"],"daemon_version":"1.0.0","registered_at":"2026-12-06T12:00:00Z"},
               {"host":"host2","state":"live","address":"10.0.0.2","underlay":["10.0.0.2"],"ike_port":500,"natt_port":4500,
                "ak_sha256":"5531e95fb0c4d2a1aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","tpm":"hardware","tvds":["red","blue"],
                "daemon_version":"1.0.0","registered_at":"2026-12-06T12:00:00Z"}],
             "ignored":[{"host":"host5","reason":"ak_mismatch","detail":"registered AK sha256:0a1b2c3d4e5f6a7b… is not the enrolled one"}]}
            """);
        var output = new StringWriter();

        HostsDaemonView.Write(doc.RootElement, output);

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("host1's view (disconnected: the last lists judged, revision 1234): 2 admitted, 1 ignored", lines[0]);
        Assert.Matches(@"^HOST +STATE +ADDRESS +IKE/NAT-T +AK +TPM +TVDS$", lines[1]);
        Assert.Matches(@"^host2 +live +10\.0\.0\.2 +500/4500 +sha256:5531e95fb0c4d2a1… +hardware +red,blue$", lines[2]);
        Assert.Matches(@"^host3 +grace until 2026-12-06T12:05:10Z +10\.0\.0\.3 +500/4500 +none +none +green$", lines[3]);
        Assert.Matches(@"^host5 +ignored: ak_mismatch +- +- +- +- +-$", lines[4]);
        Assert.Equal("host5: ak_mismatch: registered AK sha256:0a1b2c3d4e5f6a7b… is not the enrolled one", lines[5]);
    }
}
