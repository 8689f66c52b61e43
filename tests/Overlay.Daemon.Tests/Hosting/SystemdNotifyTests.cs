using System.Net.Sockets;
using System.Text;
using Overlay.Daemon.Tests.Support;

namespace Overlay.Daemon.Tests.Hosting;

/// <summary>
/// Type=notify readiness without systemd as PID 1. Microsoft.Extensions.Hosting.Systemd only switches on
/// when the parent process's comm is "systemd" (or the process is PID 1), so the daemon is started by a
/// copy of /bin/sh named systemd, with NOTIFY_SOCKET pointing at a datagram socket this test reads.
/// </summary>
public sealed class SystemdNotifyTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Ready_is_sent_once_the_control_socket_answers_and_stopping_on_sigterm()
    {
        using var daemon = new DaemonProcess();
        string notifyPath = daemon.Directory.File("notify.sock");
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(notifyPath));
        string fakeSystemd = daemon.Directory.File("systemd");
        File.Copy("/bin/sh", fakeSystemd);
        File.SetUnixFileMode(fakeSystemd, (UnixFileMode)0b111_000_000);

        // "; exit $?" keeps the shell alive as the daemon's parent (no exec of the last command).
        daemon.Start(
            new Dictionary<string, string> { ["NOTIFY_SOCKET"] = notifyPath },
            launcher: [fakeSystemd, "-c", "\"$@\"; exit $?", "systemd"]);

        string ready = await ReceiveAsync(notify, daemon);
        Assert.Equal("READY=1", ready);
        Assert.True(File.Exists(daemon.SocketPath), "READY=1 must come after the control socket is bound");
        var status = await ControlSocketClient.StatusAsync(daemon.SocketPath);
        int daemonPid = status.GetProperty("daemon").GetProperty("pid").GetInt32();
        Assert.NotEqual(daemon.Pid, daemonPid); // the shell in between really is the parent

        Signals.Send(daemonPid, Signals.SIGTERM);

        Assert.Equal("STOPPING=1", await ReceiveAsync(notify, daemon));
        Assert.Equal(0, await daemon.WaitForExitAsync());
        Assert.False(File.Exists(daemon.SocketPath));
    }

    private static async Task<string> ReceiveAsync(Socket notify, DaemonProcess daemon)
    {
        using var deadline = new CancellationTokenSource(Timeout);
        byte[] buffer = new byte[4096];
        try
        {
            int read = await notify.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
            return Encoding.UTF8.GetString(buffer, 0, read).Trim();
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no sd_notify message within {Timeout}:\n{daemon.Output}");
        }
    }
}
