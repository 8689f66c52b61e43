using System.Text.Json;
using Overlay.Daemon.Tests.Support;

namespace Overlay.Daemon.Tests.Hosting;

/// <summary>SIGHUP reloads through the engine's test-then-commit path; refusals keep the running policy.</summary>
public sealed class ReloadTests
{
    [Fact]
    public async Task Sighup_with_the_next_version_switches_to_it()
    {
        using var daemon = new DaemonProcess();
        await daemon.StartAndWaitReadyAsync();
        WriteVersion(daemon, version: 2, replaces: 1);

        daemon.Signal(Signals.SIGHUP);

        JsonElement status = await daemon.WaitForStatusAsync(s => Policy(s).GetProperty("version").GetInt64() == 2);
        JsonElement reload = Policy(status).GetProperty("last_reload");
        Assert.True(reload.GetProperty("committed").GetBoolean());
        Assert.Equal(1, reload.GetProperty("from_version").GetInt64());
        Assert.Equal(2, reload.GetProperty("to_version").GetInt64());
        Assert.Equal(1, Policy(status).GetProperty("replaces").GetInt64());
        await daemon.ExpectOutputAsync("reload committed: policy 'acme-dc' version 1 -> 2");
    }

    [Fact]
    public async Task Sighup_with_a_broken_policy_keeps_the_old_version_and_says_where()
    {
        using var daemon = new DaemonProcess();
        await daemon.StartAndWaitReadyAsync();
        WriteVersion(daemon, version: 2, replaces: 1);
        File.AppendAllText(daemon.PolicyFile, "\n[[tvd]]\nname = \"violet\"\nvlan = 101\nlabel = \"tvd:violet\"\n");

        daemon.Signal(Signals.SIGHUP);

        JsonElement reload = await LastReloadAsync(daemon);
        Assert.False(reload.GetProperty("committed").GetBoolean());
        Assert.Equal(1, reload.GetProperty("from_version").GetInt64());
        string[] problems = [.. reload.GetProperty("problems").EnumerateArray().Select(p => p.GetString()!)];
        Assert.NotEmpty(problems);
        Assert.All(problems, p => Assert.Matches($@"^{System.Text.RegularExpressions.Regex.Escape(daemon.PolicyFile)}:\d+:\d+: error: ", p));
        Assert.Contains(problems, p => p.Contains("101"));
        Assert.Equal(1, Policy(await ControlSocketClient.StatusAsync(daemon.SocketPath)).GetProperty("version").GetInt64());
        await daemon.ExpectOutputAsync("reload refused: " + daemon.PolicyFile);
    }

    [Fact]
    public async Task Sighup_with_a_stale_version_is_refused_and_the_reason_reported()
    {
        using var daemon = new DaemonProcess();
        await daemon.StartAndWaitReadyAsync();

        daemon.Signal(Signals.SIGHUP); // the same file again: version 1 does not supersede version 1

        JsonElement reload = await LastReloadAsync(daemon);
        Assert.False(reload.GetProperty("committed").GetBoolean());
        Assert.Equal(1, reload.GetProperty("to_version").GetInt64());
        Assert.Contains(reload.GetProperty("problems").EnumerateArray(), p => p.GetString()!.Contains("does not supersede running version 1"));
        await daemon.ExpectOutputAsync("still enforcing policy 'acme-dc' version 1");
    }

    [Fact]
    public async Task Sighup_with_a_policy_that_drops_this_host_is_refused()
    {
        using var daemon = new DaemonProcess(host: "host2");
        await daemon.StartAndWaitReadyAsync();
        WriteVersion(daemon, version: 2, replaces: 1);
        // The host goes, and so does its AK pin: the policy is valid, it just no longer names this host.
        File.WriteAllText(daemon.PolicyFile, File.ReadAllText(daemon.PolicyFile)
            .Replace("name = \"host2\"", "name = \"host3\"")
            .Replace("host2 = \"", "host3 = \""));

        daemon.Signal(Signals.SIGHUP);

        JsonElement reload = await LastReloadAsync(daemon);
        Assert.False(reload.GetProperty("committed").GetBoolean());
        Assert.Contains(reload.GetProperty("problems").EnumerateArray(), p => p.GetString()!.Contains("host 'host2' is not a [[host]]"));
        Assert.Equal(1, Policy(await ControlSocketClient.StatusAsync(daemon.SocketPath)).GetProperty("version").GetInt64());
    }

    private static JsonElement Policy(JsonElement status) => status.GetProperty("policy");

    private static async Task<JsonElement> LastReloadAsync(DaemonProcess daemon)
    {
        JsonElement status = await daemon.WaitForStatusAsync(s => Policy(s).GetProperty("last_reload").ValueKind == JsonValueKind.Object);
        return Policy(status).GetProperty("last_reload");
    }

    private static void WriteVersion(DaemonProcess daemon, int version, int replaces)
    {
        string text = File.ReadAllText(daemon.PolicyFile);
        Assert.Contains("version = 1\n", text);
        File.WriteAllText(daemon.PolicyFile, text.Replace("version = 1\n", $"version = {version}\nreplaces = {replaces}\n"));
    }
}
