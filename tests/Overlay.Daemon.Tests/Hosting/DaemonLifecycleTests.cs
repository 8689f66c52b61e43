using System.Text.Json;
using Overlay.Daemon.Tests.Support;

namespace Overlay.Daemon.Tests.Hosting;

/// <summary>The real daemon binary: start, what status reports, socket permissions, SIGTERM.</summary>
public sealed class DaemonLifecycleTests
{
    [Fact]
    public async Task Status_reports_the_policy_its_tvds_and_this_host()
    {
        using var daemon = new DaemonProcess();
        JsonElement status = await daemon.StartAndWaitReadyAsync();

        JsonElement self = status.GetProperty("daemon");
        Assert.Equal(daemon.Pid, self.GetProperty("pid").GetInt32());
        Assert.Equal("host1", self.GetProperty("host").GetString());
        Assert.Equal(daemon.ConfigFile, self.GetProperty("config").GetString());
        Assert.Equal(daemon.SocketPath, self.GetProperty("control_socket").GetString());
        Assert.True(self.GetProperty("uptime_seconds").GetDouble() >= 0);

        JsonElement policy = status.GetProperty("policy");
        Assert.Equal("acme-dc", policy.GetProperty("name").GetString());
        Assert.Equal(1, policy.GetProperty("version").GetInt64());
        Assert.Equal(daemon.PolicyFile, policy.GetProperty("source").GetString());
        Assert.True(policy.GetProperty("host").GetProperty("all_types").GetBoolean());
        var tvds = policy.GetProperty("tvds").EnumerateArray()
            .Select(t => $"{t.GetProperty("name").GetString()}/{t.GetProperty("vlan").GetInt32()}/{t.GetProperty("label").GetString()}/{t.GetProperty("type").GetString()}");
        Assert.Equal(["red/101/tvd:red/red", "blue/102/tvd:blue/blue", "green/103/tvd:green/green"], tvds);
        Assert.Equal(6, policy.GetProperty("counts").GetProperty("guests").GetInt32());
        Assert.Equal(2, policy.GetProperty("counts").GetProperty("hosts").GetInt32());
        Assert.Equal(JsonValueKind.Null, policy.GetProperty("last_reload").ValueKind);

        JsonElement engine = status.GetProperty("engine");
        Assert.Equal(0, engine.GetProperty("running").GetArrayLength());
        Assert.Equal(0, engine.GetProperty("bindings").GetArrayLength());
        await daemon.ExpectOutputAsync("enforcing policy 'acme-dc' version 1");
        await daemon.ExpectOutputAsync("tvd red vlan 101 label 'tvd:red'");
        await daemon.ExpectOutputAsync("this host is 'host1' and may run every type");
    }

    [Fact]
    public async Task Control_socket_is_0600_inside_a_0700_directory()
    {
        using var daemon = new DaemonProcess();
        await daemon.StartAndWaitReadyAsync();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(daemon.SocketPath));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(daemon.RuntimeDirectory));
    }

    [Fact]
    public async Task Sigterm_exits_0_and_removes_the_socket()
    {
        using var daemon = new DaemonProcess();
        await daemon.StartAndWaitReadyAsync();

        daemon.Signal(Signals.SIGTERM);

        Assert.Equal(0, await daemon.WaitForExitAsync());
        Assert.False(File.Exists(daemon.SocketPath), daemon.Output);
        await daemon.ExpectOutputAsync("closed and removed");
    }

    [Fact]
    public async Task A_second_daemon_on_the_same_socket_refuses_to_start_and_the_first_keeps_serving()
    {
        using var first = new DaemonProcess();
        await first.StartAndWaitReadyAsync();
        using var second = new DaemonProcess();

        second.Start(configFile: first.ConfigFile);

        Assert.Equal(1, await second.WaitForExitAsync());
        // The first shared resource refuses: the embedded swtpm's state (attestation starts first) or the socket.
        Assert.Matches($"already answering on ({System.Text.RegularExpressions.Regex.Escape(first.SocketPath)}|{System.Text.RegularExpressions.Regex.Escape(first.Directory.Path)}/state/swtpm/tpm.sock)", second.Output);
        JsonElement status = await ControlSocketClient.StatusAsync(first.SocketPath);
        Assert.Equal(first.Pid, status.GetProperty("daemon").GetProperty("pid").GetInt32());
    }

    [Fact]
    public async Task A_stale_socket_file_from_a_crash_is_replaced()
    {
        using var daemon = new DaemonProcess();
        Directory.CreateDirectory(daemon.RuntimeDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(daemon.SocketPath, "");

        JsonElement status = await daemon.StartAndWaitReadyAsync();

        Assert.Equal(daemon.Pid, status.GetProperty("daemon").GetProperty("pid").GetInt32());
    }

    [Fact]
    public async Task A_runtime_dir_open_to_others_is_refused()
    {
        using var daemon = new DaemonProcess();
        Directory.CreateDirectory(daemon.RuntimeDirectory);
        File.SetUnixFileMode(daemon.RuntimeDirectory, (UnixFileMode)0b111_101_101); // 0755

        daemon.Start();

        Assert.Equal(1, await daemon.WaitForExitAsync());
        await daemon.ExpectOutputAsync("has mode 0755; it must be 0700");
        Assert.False(File.Exists(daemon.SocketPath));
        // Checked before any subsystem starts (docs/daemon.md's start-up order): no embedded swtpm was started for it.
        Assert.False(System.IO.Directory.Exists(daemon.Directory.File("state/swtpm")), daemon.Output);
        Assert.DoesNotContain("attest:", daemon.Output);
    }

    public static TheoryData<string> BusyPorts => ["dataplane", "ike"];

    [Theory]
    [MemberData(nameof(BusyPorts))]
    public async Task A_udp_port_another_process_holds_ends_the_daemon_with_one_line_and_exit_1(string which)
    {
        using var holder = new System.Net.Sockets.UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        int busy = ((System.Net.IPEndPoint)holder.Client.LocalEndPoint!).Port;
        using var free = new System.Net.Sockets.UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        int other = ((System.Net.IPEndPoint)free.Client.LocalEndPoint!).Port;
        free.Dispose();
        (int dataPlanePort, int ikePort) = which == "dataplane" ? (busy, other) : (other, busy);
        using var daemon = new DaemonProcess(extraConfig: $"""

            [dataplane]
            underlay = "127.0.0.1"
            port = {dataPlanePort}

            [[dataplane.peer]]
            name = "host2"
            address = "127.0.0.2"

            [ike]
            ike_port = {ikePort}

            [[ike.peer]]
            name = "host2"
            psk = "a key of at least eight characters"
            """);

        daemon.Start();

        Assert.Equal(1, await daemon.WaitForExitAsync());
        string[] errors = [.. daemon.Output.Split('\n').Where(l => l.StartsWith("tvd-overlayd:", StringComparison.Ordinal))];
        string line = Assert.Single(errors);
        Assert.Matches($"127\\.0\\.0\\.1:{busy}.*(in use|another process)", line);
        Assert.DoesNotContain("   at ", daemon.Output); // no stack trace
        Assert.DoesNotContain("Unhandled exception", daemon.Output);
    }
}
