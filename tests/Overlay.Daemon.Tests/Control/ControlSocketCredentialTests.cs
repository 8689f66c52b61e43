using System.Diagnostics;
using System.Text.Json;
using Overlay.Daemon.Tests.Support;

namespace Overlay.Daemon.Tests.Control;

/// <summary>
/// The real daemon and real clients of other users (uid 65534 through setpriv): the control socket admits by the
/// client's kernel credentials, not only by mode bits; a control group admits its members; a socket directory
/// another user owns keeps the daemon from starting.
/// </summary>
public sealed class ControlSocketCredentialTests
{
    private const string Client = """
        import socket, sys
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        try:
            s.connect(sys.argv[1])
        except OSError as e:
            print("connect: " + e.strerror); sys.exit(0)
        s.sendall(b'{"verb":"status"}\n'); s.shutdown(socket.SHUT_WR)
        reply = b""
        while True:
            chunk = s.recv(65536)
            if not chunk: break
            reply += chunk
        sys.stdout.write(reply.decode())
        """;

    [Fact]
    public async Task A_client_of_another_user_is_refused_even_when_the_modes_let_it_connect()
    {
        using var daemon = new DaemonProcess();
        await daemon.StartAndWaitReadyAsync();
        // An administrator's mistake: the directory and the socket opened to everyone.
        File.SetUnixFileMode(daemon.Directory.Path, (UnixFileMode)0b111_001_001);
        File.SetUnixFileMode(daemon.RuntimeDirectory, (UnixFileMode)0b111_001_001);
        File.SetUnixFileMode(daemon.SocketPath, (UnixFileMode)0b110_110_110);

        string reply = await AsUserAsync(daemon.SocketPath, "--clear-groups");

        Assert.StartsWith("permission denied: uid 65534 (gid 65534, pid ", Error(reply), StringComparison.Ordinal);
        Assert.EndsWith("is not root, and no control_group is configured to admit others", Error(reply), StringComparison.Ordinal);
        await daemon.ExpectOutputMatchAsync(@"control connection #\d+ from pid \d+ uid 65534 gid 65534 refused: permission denied");
        Assert.Equal(daemon.Pid, (await ControlSocketClient.StatusAsync(daemon.SocketPath)).GetProperty("daemon").GetProperty("pid").GetInt32()); // root still is
    }

    [Fact]
    public async Task A_configured_control_group_admits_its_members_and_no_one_else()
    {
        using var daemon = new DaemonProcess(extraConfig: "control_group = \"4242\"\n");
        await daemon.StartAndWaitReadyAsync();
        File.SetUnixFileMode(daemon.Directory.Path, (UnixFileMode)0b111_001_001);

        string member = await AsUserAsync(daemon.SocketPath, "--groups", "4242");
        string other = await AsUserAsync(daemon.SocketPath, "--clear-groups");

        using (JsonDocument status = JsonDocument.Parse(member))
        {
            Assert.True(status.RootElement.GetProperty("ok").GetBoolean(), member);
        }

        Assert.Equal("connect: Permission denied", other.Trim()); // the 0710 directory of group 4242 keeps it out first
        Assert.Equal((UnixFileMode)0b111_001_000, File.GetUnixFileMode(daemon.RuntimeDirectory));
        Assert.Equal((UnixFileMode)0b110_110_000, File.GetUnixFileMode(daemon.SocketPath));
        Assert.Contains("admits root and group '4242' (gid 4242)", daemon.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_socket_directory_owned_by_another_user_keeps_the_daemon_from_starting()
    {
        using var daemon = new DaemonProcess();
        Directory.CreateDirectory(daemon.RuntimeDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Chown(daemon.RuntimeDirectory, "65534:65534");

        daemon.Start();

        Assert.Equal(1, await daemon.WaitForExitAsync());
        Assert.Contains($"control socket directory {daemon.RuntimeDirectory} is owned by uid 65534; it must be owned by the daemon's user (uid 0)", daemon.Output,
            StringComparison.Ordinal);
    }

    private static string Error(string reply)
    {
        using JsonDocument document = JsonDocument.Parse(reply);
        Assert.False(document.RootElement.GetProperty("ok").GetBoolean(), reply);
        return document.RootElement.GetProperty("error").GetString()!;
    }

    /// <summary>Runs the Python client as uid/gid 65534 with <paramref name="groups"/> (setpriv's options).</summary>
    private static async Task<string> AsUserAsync(string socket, params string[] groups)
    {
        var start = new ProcessStartInfo("setpriv") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in (string[])["--reuid", "65534", "--regid", "65534", .. groups, "/usr/bin/python3", "-c", Client, socket])
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(process.ExitCode == 0, stderr);
        return await stdout;
    }

    private static void Chown(string path, string owner)
    {
        using Process process = Process.Start("chown", [owner, path])!;
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }
}
