using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Overlay.DataPlane.Tests;

/// <summary>
/// A network namespace a test creates (name prefix given by the test, the process id appended) and
/// removes on dispose, even after a failure; code runs inside it on a thread of its own, because
/// setns(2) moves only the calling thread. Root only.
/// </summary>
internal sealed partial class TestNetworkNamespace : IDisposable
{
    public TestNetworkNamespace(string prefix)
    {
        Name = $"{prefix}{Environment.ProcessId % 100000}";
        RunIp($"netns del {Name}", check: false);
        RunIp($"netns add {Name}", check: true);
    }

    public string Name { get; }

    /// <summary>Runs <c>ip -n NAME ARGUMENTS</c>; returns its output, throws when it fails.</summary>
    public string Ip(string arguments) => RunIp($"-n {Name} {arguments}", check: true);

    /// <summary>Runs <paramref name="body"/> on a thread inside the namespace; rethrows what it threw.</summary>
    public void RunInside(Action body, TimeSpan timeout)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using SafeFileHandle handle = File.OpenHandle($"/run/netns/{Name}");
                if (SetNs((int)handle.DangerousGetHandle(), 0x40000000 /* CLONE_NEWNET */) != 0)
                {
                    throw new InvalidOperationException($"setns {Name}: errno {Marshal.GetLastPInvokeError()}");
                }

                body();
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        if (!thread.Join(timeout))
        {
            throw new TimeoutException($"the code inside {Name} did not finish in {timeout.TotalSeconds} s");
        }

        if (failure is not null)
        {
            throw new Xunit.Sdk.XunitException($"inside {Name}: {failure}");
        }
    }

    public void Dispose() => RunIp($"netns del {Name}", check: false);

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int type);

    private static string RunIp(string arguments, bool check)
    {
        using var p = Process.Start(new ProcessStartInfo("ip", arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string text = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        if (!p.WaitForExit(10_000))
        {
            p.Kill();
        }

        if (check && p.ExitCode != 0)
        {
            throw new InvalidOperationException($"ip {arguments}: {text}");
        }

        return text;
    }
}
