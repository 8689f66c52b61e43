using System.Diagnostics;
using System.Net.Sockets;

namespace Overlay.Attest.Tpm;

/// <summary>
/// A swtpm process this program owns: <c>swtpm socket --tpm2</c> with a unixio server socket and its control
/// socket (<c>&lt;path&gt;.ctrl</c>, which the swtpm TCTI needs) in one directory, TPM state in the same directory.
/// Started already initialised (startup-clear). Killed on dispose. A software TPM is no hardware root of trust:
/// anyone with root on the host can read its state and forge quotes.
/// </summary>
public sealed class EmbeddedSwtpm : IDisposable
{
    /// <summary>sockaddr_un.sun_path is 108 bytes including the NUL.</summary>
    private const int MaxSocketPath = 107;

    private readonly Process _process;

    private EmbeddedSwtpm(Process process, string directory, string socketPath)
    {
        _process = process;
        Directory = directory;
        SocketPath = socketPath;
    }

    public string Directory { get; }

    public string SocketPath { get; }

    /// <summary>The TCTI string to reach this TPM.</summary>
    public string Tcti => $"swtpm:path={SocketPath}";

    public int ProcessId => _process.Id;

    public static EmbeddedSwtpm Start(string directory, TimeSpan? readyTimeout = null, string swtpmBinary = "swtpm")
    {
        System.IO.Directory.CreateDirectory(directory);
        var socketPath = Path.Combine(Path.GetFullPath(directory), "tpm.sock");
        if (socketPath.Length + ".ctrl".Length > MaxSocketPath)
        {
            throw new ArgumentException($"socket path {socketPath}.ctrl is longer than a Unix socket path may be", nameof(directory));
        }

        File.Delete(socketPath);
        File.Delete(socketPath + ".ctrl");
        var start = new ProcessStartInfo(swtpmBinary)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "socket", "--tpm2",
            "--server", $"type=unixio,path={socketPath}",
            "--ctrl", $"type=unixio,path={socketPath}.ctrl",
            "--tpmstate", $"dir={Path.GetFullPath(directory)}",
            "--flags", "not-need-init,startup-clear",
            "--log", $"file={Path.Combine(Path.GetFullPath(directory), "swtpm.log")},level=1",
        })
        {
            start.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("swtpm did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"cannot run {swtpmBinary} (install the swtpm package): {e.Message}", e);
        }

        var swtpm = new EmbeddedSwtpm(process, directory, socketPath);
        try
        {
            swtpm.WaitReady(readyTimeout ?? TimeSpan.FromSeconds(10));
        }
        catch
        {
            swtpm.Dispose();
            throw;
        }

        return swtpm;
    }

    private void WaitReady(TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"swtpm exited with {_process.ExitCode}: {_process.StandardError.ReadToEnd().Trim()}");
            }

            // swtpm binds the control socket before the data socket: a TCTI that finds only the first fails with an
            // I/O error, which a loaded machine made happen.
            if (CanConnect(SocketPath + ".ctrl") && CanConnect(SocketPath))
            {
                return;
            }

            Thread.Sleep(10);
        }

        throw new TimeoutException($"swtpm did not open {SocketPath} and its .ctrl within {timeout.TotalSeconds:0.#} s");
    }

    private static bool CanConnect(string path)
    {
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }
}
