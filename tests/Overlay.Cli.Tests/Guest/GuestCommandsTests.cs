using System.Diagnostics;
using System.Text.Json;

namespace Overlay.Cli.Tests.Guest;

/// <summary>
/// <c>tvdctl guest list|start|stop|explain</c> against a real tvd-overlayd running netns guests (root) in its own
/// namespace <c>tgh&lt;pid&gt;c</c>; guest namespaces are <c>tgh&lt;pid&gt;c-&lt;guest&gt;</c>. Every namespace with that
/// prefix is deleted on dispose, also after a failure. Exit codes: 0 done, 1 refused, 2 bad input or no daemon.
/// </summary>
public sealed class GuestCommandsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tvdctl-guest-").FullName;
    private readonly string _prefix = $"tgh{Environment.ProcessId}c";
    private DaemonProcess? _daemon;

    public GuestCommandsTests() => DeleteNamespaces();

    private string Socket => Path.Combine(_dir, "run", "control.sock");

    public void Dispose()
    {
        _daemon?.Dispose();
        DeleteNamespaces();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Start_stop_list_and_explain_print_the_decision_and_exit_by_outcome()
    {
        StartDaemon();

        var started = CliRunner.Run("guest", "start", "hertz-web", "--socket", Socket);
        Assert.True(started.ExitCode == 0, started.All);
        Assert.StartsWith("started hertz-web: allow: host-authorization and chinese-wall", started.StdOut);

        var refused = CliRunner.Run("guest", "start", "avis-web", "--socket", Socket);
        Assert.Equal(1, refused.ExitCode);
        Assert.StartsWith("refused: start avis-web: deny: chinese-wall: type avis of guest avis-web conflicts with type hertz of running guest hertz-web", refused.StdOut);
        Assert.Contains("(conflict set car-rental)", refused.StdOut);

        var explained = CliRunner.Run("guest", "explain", "avis-web", "--socket", Socket);
        Assert.Equal(1, explained.ExitCode);
        Assert.Contains("  cw types:  avis", explained.StdOut);
        Assert.Contains("  network green-net: allow: ste", explained.StdOut);
        Assert.Contains("  start: deny: chinese-wall: type avis of guest avis-web conflicts with type hertz", explained.StdOut);

        var list = CliRunner.Run("guest", "list", "--socket", Socket);
        Assert.Equal(0, list.ExitCode);
        string[] lines = list.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("GUEST", lines[0]);
        Assert.Matches(@"^hertz-web\s+netns\s+running\s+green-net\s+green\s+tvd[0-9a-f]{8}n0\s+attached$", lines.Single(l => l.StartsWith("hertz-web", StringComparison.Ordinal)));
        Assert.Matches(@"^avis-web\s+netns\s+defined\s+green-net\s+green\s+tvd[0-9a-f]{8}n0\s+-$", lines.Single(l => l.StartsWith("avis-web", StringComparison.Ordinal)));

        var stopped = CliRunner.Run("guest", "stop", "hertz-web", "--socket", Socket);
        Assert.True(stopped.ExitCode == 0, stopped.All);
        Assert.False(File.Exists($"/run/netns/{_prefix}-hertz-web"));
        Assert.Equal(0, CliRunner.Run("guest", "explain", "avis-web", "--socket", Socket).ExitCode);
        Assert.Equal(1, CliRunner.Run("guest", "stop", "hertz-web", "--socket", Socket).ExitCode);
    }

    [Fact]
    public void Json_documents_carry_the_outcome_the_state_and_the_decisions_with_the_same_exit_codes()
    {
        StartDaemon();

        var started = CliRunner.Run("guest", "start", "hertz-web", "--socket", Socket, "--json");
        var refused = CliRunner.Run("guest", "start", "avis-web", "--socket", Socket, "--json");
        var explained = CliRunner.Run("guest", "explain", "avis-web", "--socket", Socket, "--json");
        var list = CliRunner.Run("guest", "list", "--socket", Socket, "--json");

        Assert.True(started.ExitCode == 0, started.All);
        var s = Parse(started);
        Assert.Equal(("start", "hertz-web", "done"), (s.GetProperty("action").GetString(), s.GetProperty("guest").GetString(), s.GetProperty("outcome").GetString()));
        Assert.StartsWith("allow: host-authorization and chinese-wall", s.GetProperty("message").GetString());
        Assert.Equal(1, refused.ExitCode);
        var r = Parse(refused);
        Assert.Equal("refused", r.GetProperty("outcome").GetString());
        Assert.StartsWith("deny: chinese-wall: type avis of guest avis-web conflicts with type hertz", r.GetProperty("message").GetString());

        Assert.Equal(1, explained.ExitCode);
        var e = Parse(explained);
        Assert.Equal(("avis-web", "netns", "defined"), (e.GetProperty("guest").GetProperty("name").GetString(),
            e.GetProperty("guest").GetProperty("backend").GetString(), e.GetProperty("guest").GetProperty("state").GetString()));
        Assert.Equal(["avis"], e.GetProperty("cw_types").EnumerateArray().Select(t => t.GetString()!));
        Assert.Equal(["hertz-web"], e.GetProperty("running_here").EnumerateArray().Select(t => t.GetString()!));
        var network = e.GetProperty("networks").EnumerateArray().Single();
        Assert.Equal(("green-net", true), (network.GetProperty("network").GetString(), network.GetProperty("allowed").GetBoolean()));
        var start = e.GetProperty("start");
        Assert.Equal((false, "chinese-wall"), (start.GetProperty("allowed").GetBoolean(), start.GetProperty("rule").GetString()));

        Assert.True(list.ExitCode == 0, list.All);
        var guests = Parse(list).GetProperty("guests").EnumerateArray().ToDictionary(g => g.GetProperty("name").GetString()!);
        Assert.Equal(["avis-web", "hertz-web"], guests.Keys.Order());
        Assert.Equal("running", guests["hertz-web"].GetProperty("state").GetString());
        var port = guests["hertz-web"].GetProperty("ports").EnumerateArray().Single();
        Assert.Equal(("green-net", "green", true), (port.GetProperty("network").GetString(), port.GetProperty("tvd").GetString(), port.GetProperty("attached").GetBoolean()));
        Assert.Matches("^tvd[0-9a-f]{8}n0$", port.GetProperty("port").GetString());
        Assert.Equal(JsonValueKind.Null, port.GetProperty("problem").ValueKind);
        Assert.Equal(JsonValueKind.Null, guests["avis-web"].GetProperty("define_refusal").ValueKind);
        Assert.False(guests["avis-web"].GetProperty("ports").EnumerateArray().Single().GetProperty("attached").GetBoolean());
    }

    private static JsonElement Parse(CliRunner.Result r)
    {
        using var document = JsonDocument.Parse(r.StdOut);
        return document.RootElement.Clone();
    }

    [Fact]
    public void Unknown_guest_is_bad_input()
    {
        StartDaemon();

        var r = CliRunner.Run("guest", "start", "nobody", "--socket", Socket);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("no configured guest 'nobody' (configured: avis-web, hertz-web)", r.StdErr);
    }

    [Fact]
    public void Without_a_daemon_it_exits_2_and_says_so()
    {
        var r = CliRunner.Run("guest", "list", "--socket", Socket);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("tvd-overlayd is not running", r.StdErr);
    }

    private void StartDaemon()
    {
        Exec("ip", "netns", "add", _prefix);
        Exec("ip", "-n", _prefix, "link", "set", "lo", "up");
        CliRunner.CopyExamplePolicy(_dir);
        string config = Path.Combine(_dir, "overlayd.toml");
        File.WriteAllText(config, $"""
            [daemon]
            host = "host1"
            policy = "policy.toml"
            state_dir = "state"
            runtime_dir = "run"

            [dataplane]
            underlay = "127.0.0.1"

            [hypervisor]
            netns_prefix = "{_prefix}-"

            [[guest]]
            name = "hertz-web"
            backend = "netns"
            networks = ["green-net"]

            [[guest]]
            name = "avis-web"
            backend = "netns"
            networks = ["green-net"]
            """);
        _daemon = DaemonProcess.Start(config, Socket, "nsenter", $"--net=/run/netns/{_prefix}");
    }

    private static void Exec(string program, params string[] args)
    {
        var r = CliRunner.Exec(null, program, args);
        Assert.True(r.ExitCode == 0, $"{program} {string.Join(' ', args)}: {r.All}");
    }

    private void DeleteNamespaces()
    {
        if (!Directory.Exists("/run/netns"))
        {
            return;
        }

        foreach (string ns in Directory.EnumerateFiles("/run/netns").Select(f => Path.GetFileName(f)).Where(n => n.StartsWith(_prefix, StringComparison.Ordinal)))
        {
            CliRunner.Exec(null, "ip", "netns", "del", ns);
        }
    }
}
