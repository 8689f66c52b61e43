using System.Text.Json;
using Overlay.Daemon.Tests.Support;

namespace Overlay.Daemon.Tests.GuestHost;

/// <summary>
/// The daemon's guest subsystem with netns guests (root): configured guests start under the policy, their vNICs
/// become data plane ports of their TVD (a red guest reaches a red guest, not a blue one), the Chinese Wall refuses
/// with the policy's reason, an outside start against the policy is destroyed and audited, and a reload that
/// revokes a running guest stops it.
/// </summary>
public sealed class GuestServiceTests
{
    private const string Guests = """
        [[guest]]
        name = "hr-db"
        backend = "netns"
        networks = ["red-net"]
        addresses = ["10.91.0.1/24"]
        autostart = true

        [[guest]]
        name = "bridge-gw"
        backend = "netns"
        networks = ["red-net", "blue-net"]
        addresses = ["10.91.0.2/24", "10.91.1.2/24"]
        autostart = true

        [[guest]]
        name = "acct-app"
        backend = "netns"
        networks = ["blue-net"]
        addresses = ["10.91.0.3/24"]
        autostart = true

        [[guest]]
        name = "hertz-web"
        backend = "netns"
        networks = ["green-net"]

        [[guest]]
        name = "avis-web"
        backend = "netns"
        networks = ["green-net"]
        """;

    [Fact]
    public async Task Guest_ports_join_their_TVD_only_and_leave_when_the_guest_stops()
    {
        using var lab = new NetnsGuestLab(Guests);
        await lab.StartAsync();
        Assert.True(await NetnsGuestLab.EventuallyAsync(async () => (await lab.AttachedPortsAsync()).Count == 4), lab.Daemon.Output);

        // Same address plan on both TVDs: a leak from red into blue would find acct-app answering.
        Assert.True(lab.Pings("hr-db", "10.91.0.2"), "red guest hr-db does not reach red guest bridge-gw");
        Assert.False(lab.Pings("hr-db", "10.91.0.3"), "red guest hr-db reached blue guest acct-app");

        JsonElement stopped = await lab.GuestAsync("stop", "bridge-gw");
        Assert.Equal("done", stopped.GetProperty("outcome").GetString());
        Assert.False(lab.GuestNamespaceExists("bridge-gw"));
        Assert.Equal(2, (await lab.AttachedPortsAsync()).Count);
        JsonElement status = await ControlSocketClient.StatusAsync(lab.Daemon.SocketPath);
        Assert.Equal(2, status.GetProperty("dataplane").GetProperty("ports").GetArrayLength());
        Assert.False(lab.Pings("hr-db", "10.91.0.2"));
    }

    [Fact]
    public async Task Chinese_wall_refuses_with_the_rule_and_an_outside_start_is_destroyed_and_audited()
    {
        using var lab = new NetnsGuestLab(Guests);
        await lab.StartAsync();

        Assert.Equal("done", (await lab.GuestAsync("start", "hertz-web")).GetProperty("outcome").GetString());
        JsonElement refused = await lab.GuestAsync("start", "avis-web");
        Assert.Equal("refused", refused.GetProperty("outcome").GetString());
        string reason = refused.GetProperty("message").GetString()!;
        Assert.Contains("chinese-wall", reason);
        Assert.Contains("type avis of guest avis-web conflicts with type hertz of running guest hertz-web", reason);
        Assert.False(lab.GuestNamespaceExists("avis-web"));

        JsonElement explained = await lab.GuestAsync("explain", "avis-web");
        Assert.False(explained.GetProperty("start").GetProperty("allowed").GetBoolean());
        Assert.Equal(["avis"], explained.GetProperty("cw_types").EnumerateArray().Select(t => t.GetString()));

        // Behind the daemon's back: the namespace appears, the reconcile pass finds it and destroys it.
        NetnsGuestLab.Exec("ip", "netns", "add", lab.NamespaceOf("avis-web"));
        Assert.True(await NetnsGuestLab.EventuallyAsync(() => Task.FromResult(!lab.GuestNamespaceExists("avis-web"))), lab.Daemon.Output);
        Assert.Contains(File.ReadAllLines(lab.AuditLog), l => l.Contains("OutOfBandDestroyed avis-web: deny: chinese-wall", StringComparison.Ordinal));
        Assert.True(lab.GuestNamespaceExists("hertz-web"));
    }

    [Fact]
    public async Task Reload_that_revokes_a_running_guest_stops_it()
    {
        using var lab = new NetnsGuestLab(Guests);
        await lab.StartAsync();
        Assert.Equal("done", (await lab.GuestAsync("start", "hertz-web")).GetProperty("outcome").GetString());

        // Version 2 no longer lets host1 run type hertz.
        string policy = File.ReadAllText(lab.Daemon.PolicyFile)
            .Replace("version = 1\n", "version = 2\nreplaces = 1\n", StringComparison.Ordinal)
            .Replace("types = [\"*\"]", "types = [\"red\", \"blue\", \"green\", \"avis\"]", StringComparison.Ordinal);
        Assert.Contains("\"avis\"]", policy);
        File.WriteAllText(lab.Daemon.PolicyFile, policy);
        lab.Daemon.Signal(Signals.SIGHUP);

        Assert.True(await NetnsGuestLab.EventuallyAsync(() => Task.FromResult(!lab.GuestNamespaceExists("hertz-web"))), lab.Daemon.Output);
        Assert.True(lab.GuestNamespaceExists("hr-db"));
        Assert.Contains(File.ReadAllLines(lab.AuditLog), l => l.Contains("Revoked hertz-web: policy version 2", StringComparison.Ordinal));
        JsonElement list = await lab.GuestAsync("list");
        Assert.Equal("defined", list.GetProperty("guests").EnumerateArray().Single(g => g.GetProperty("name").GetString() == "hertz-web").GetProperty("state").GetString());
    }

    [Fact]
    public async Task Unknown_guest_and_action_are_error_replies()
    {
        using var lab = new NetnsGuestLab(Guests);
        await lab.StartAsync();

        JsonElement unknown = await lab.GuestAsync("start", "nobody");
        Assert.False(unknown.GetProperty("ok").GetBoolean());
        Assert.StartsWith("no configured guest 'nobody'", unknown.GetProperty("error").GetString());
        JsonElement badAction = await lab.GuestAsync("reboot", "hr-db");
        Assert.StartsWith("unknown guest action 'reboot'", badAction.GetProperty("error").GetString());
    }
}
