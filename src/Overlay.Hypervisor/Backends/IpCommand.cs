using System.Diagnostics;
using System.Text;
using Overlay.Hypervisor.Guests;

namespace Overlay.Hypervisor.Backends;

/// <summary>
/// Runs iproute2's <c>ip</c> with an argument list (never a shell string) and a time limit. The netns backend
/// uses ip rather than netlink because namespace creation is more than one netlink message (a bind mount of
/// /proc/self/ns/net under /run/netns, done in a child that unshares), which ip already does correctly and
/// which the lab's shell scripts and operators use too: what the daemon does can be replayed by hand.
/// </summary>
public sealed class IpCommand(string executable = "ip", TimeSpan? timeout = null)
{
    public TimeSpan Timeout { get; } = timeout ?? TimeSpan.FromSeconds(10);

    /// <summary>Runs <c>ip args…</c>; returns stdout; throws <see cref="GuestBackendException"/> with ip's stderr on failure.</summary>
    public string Run(params string[] args)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        var commandLine = $"{executable} {string.Join(' ', args)}";
        using var process = Process.Start(start) ?? throw new GuestBackendException($"{commandLine}: could not start");
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(stderr, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"{commandLine}: no answer within {Timeout.TotalSeconds:0.#} s");
        }

        process.WaitForExit(); // flushes the asynchronous readers
        if (process.ExitCode != 0)
        {
            throw new GuestBackendException($"{commandLine}: exit {process.ExitCode}: {stderr.ToString().Trim()}");
        }

        return stdout.ToString();
    }

    private static void Append(StringBuilder sink, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (sink)
        {
            sink.AppendLine(line);
        }
    }
}
