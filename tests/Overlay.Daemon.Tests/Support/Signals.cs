using System.Runtime.InteropServices;

namespace Overlay.Daemon.Tests.Support;

/// <summary>kill(2), to send the daemon the signals systemd would (SIGHUP for reload, SIGTERM for stop).</summary>
public static partial class Signals
{
    public const int SIGHUP = 1;
    public const int SIGTERM = 15;

    public static void Send(int pid, int signal)
    {
        if (Kill(pid, signal) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
