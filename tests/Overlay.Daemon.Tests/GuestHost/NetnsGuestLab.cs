using System.Diagnostics;
using System.Text.Json;
using Overlay.Daemon.Tests.Support;

namespace Overlay.Daemon.Tests.GuestHost;

/// <summary>
/// A real tvd-overlayd in its own network namespace <c>tgh&lt;pid&gt;h</c> (loopback underlay, so its data plane is
/// private), managing netns guests named <c>tgh&lt;pid&gt;-&lt;guest&gt;</c>. The guests' veth host ends live in the
/// daemon's namespace. Dispose kills the daemon and deletes every <c>tgh&lt;pid&gt;</c> namespace, also after a failure.
/// Needs root (namespaces, veths, AF_PACKET).
/// </summary>
public sealed class NetnsGuestLab : IDisposable
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private readonly string _prefix = $"tgh{Environment.ProcessId}";

    public NetnsGuestLab(string guests)
    {
        Cleanup();
        Run("ip", "netns", "add", HostNamespace);
        Run("ip", "-n", HostNamespace, "link", "set", "lo", "up");
        Daemon = new DaemonProcess("host1", $"""

            [dataplane]
            underlay = "127.0.0.1"

            [hypervisor]
            netns_prefix = "{GuestPrefix}"

            {guests}
            """);
    }

    public DaemonProcess Daemon { get; }

    public string HostNamespace => _prefix + "h";

    public string GuestPrefix => _prefix + "-";

    public string AuditLog => Daemon.Directory.File("state/guest-audit.log");

    public async Task StartAsync() =>
        await Daemon.StartAndWaitReadyAsync(launcher: ["nsenter", $"--net=/run/netns/{HostNamespace}"]);

    public string NamespaceOf(string guest) => GuestPrefix + guest;

    public bool GuestNamespaceExists(string guest) => File.Exists($"/run/netns/{NamespaceOf(guest)}");

    /// <summary>Sends one <c>guest</c> request and returns the reply object.</summary>
    public async Task<JsonElement> GuestAsync(string action, string? name = null)
    {
        string request = name is null
            ? $$"""{"verb":"guest","action":"{{action}}"}"""
            : $$"""{"verb":"guest","action":"{{action}}","name":"{{name}}"}""";
        string reply = await ControlSocketClient.ExchangeAsync(Daemon.SocketPath, request);
        using JsonDocument document = JsonDocument.Parse(reply);
        return document.RootElement.Clone();
    }

    /// <summary>The names of the data plane ports that are attached now, per <c>guest list</c>.</summary>
    public async Task<HashSet<string>> AttachedPortsAsync()
    {
        JsonElement list = await GuestAsync("list");
        return list.GetProperty("guests").EnumerateArray()
            .SelectMany(g => g.GetProperty("ports").EnumerateArray())
            .Where(p => p.GetProperty("attached").GetBoolean())
            .Select(p => p.GetProperty("port").GetString()!)
            .ToHashSet();
    }

    /// <summary>Polls until <paramref name="condition"/> holds, at most <see cref="Wait"/>.</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Wait)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(200);
        }

        return await condition();
    }

    /// <summary>One ping from inside a guest's namespace; true when a reply came back.</summary>
    public bool Pings(string guest, string address) =>
        Exec("ip", "netns", "exec", NamespaceOf(guest), "ping", "-c", "1", "-W", "1", address).ExitCode == 0;

    public static (int ExitCode, string Output) Exec(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        if (!process.WaitForExit(20_000))
        {
            process.Kill(entireProcessTree: true);
        }

        return (process.ExitCode, output);
    }

    public void Dispose()
    {
        Daemon.Dispose();
        Cleanup();
    }

    private static void Run(string program, params string[] args)
    {
        (int code, string output) = Exec(program, args);
        Assert.True(code == 0, $"{program} {string.Join(' ', args)}: {output}");
    }

    private void Cleanup()
    {
        if (!Directory.Exists("/run/netns"))
        {
            return;
        }

        foreach (string ns in Directory.EnumerateFiles("/run/netns").Select(f => Path.GetFileName(f)).Where(n => n.StartsWith(_prefix, StringComparison.Ordinal)))
        {
            Exec("ip", "netns", "del", ns);
        }
    }
}
