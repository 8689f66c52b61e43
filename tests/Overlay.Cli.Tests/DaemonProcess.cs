using System.Diagnostics;

namespace Overlay.Cli.Tests;

/// <summary>
/// The real tvd-overlayd (built beside these tests) as a child process, optionally behind a launcher such as
/// <c>nsenter --net=…</c>; started when <c>tvdctl status</c> answers on its socket (bounded), killed on dispose.
/// </summary>
internal sealed class DaemonProcess : IDisposable
{
    private readonly Process _process;

    private DaemonProcess(Process process) => _process = process;

    public static DaemonProcess Start(string config, string socket, params string[] launcher)
    {
        var command = launcher.Append(Path.Combine(AppContext.BaseDirectory, "tvd-overlayd")).Concat(["--config", config]).ToArray();
        var psi = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in command.Skip(1))
        {
            psi.ArgumentList.Add(arg);
        }

        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var daemon = new DaemonProcess(process);
        var deadline = Stopwatch.StartNew();
        while (CliRunner.Run("status", "--socket", socket).ExitCode != 0)
        {
            if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                daemon.Dispose();
                Assert.Fail(process.HasExited ? "tvd-overlayd exited during start" : "tvd-overlayd did not answer within 30 s");
            }

            Thread.Sleep(200);
        }

        return daemon;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }
}
