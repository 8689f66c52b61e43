using System.Diagnostics;
using System.Text.Json;

namespace Overlay.Cli.Tests.Status;

/// <summary><c>tvdctl status</c> against a real tvd-overlayd started on examples/policy.toml.</summary>
public sealed class StatusCommandTests() : ExampleDaemonTests("tvdctl-status-")
{
    [Fact]
    public void Status_shows_the_host_the_policy_and_its_tvds()
    {
        StartDaemon();

        var r = CliRunner.Run("status", "--socket", Socket);

        Assert.Equal(0, r.ExitCode);
        Assert.Contains("host2", r.StdOut);
        Assert.Contains("acme-dc", r.StdOut);
        foreach (var tvd in new[] { "red", "blue", "green" })
        {
            Assert.Contains(tvd, r.StdOut);
        }

        Assert.Contains("tvd:blue", r.StdOut);
    }

    [Fact]
    public void Status_json_is_a_document_scripts_can_read()
    {
        StartDaemon();

        var r = CliRunner.Run("status", "--json", "--socket", Socket);

        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.StdOut);
        var text = doc.RootElement.GetRawText();
        Assert.Contains("\"acme-dc\"", text);
        Assert.Contains("\"host2\"", text);
        Assert.Contains("102", text); // blue's VLAN id
    }

    [Fact]
    public void Status_without_a_daemon_exits_2_and_says_so()
    {
        var r = CliRunner.Run("status", "--socket", Socket);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("not running", r.StdErr);
        Assert.Contains("--socket", r.StdErr); // how to reach a daemon with another runtime_dir
    }
}
