using System.Diagnostics;
using System.Text;

namespace Overlay.Hypervisor.Tests.Integration;

/// <summary>One finished command: its exit code and what it printed (stdout then stderr).</summary>
internal sealed record CommandResult(string CommandLine, int ExitCode, string Output)
{
    public bool Succeeded => ExitCode == 0;

    public override string ToString() => $"`{CommandLine}` exited {ExitCode}:\n{Output}";
}

/// <summary>
/// Runs a program with an argument list (no shell) and a time limit; on timeout the whole process tree is killed
/// and the exit code is -1. The integration tests drive the scripts, virsh, ip and ping through this.
/// </summary>
internal static class Command
{
    public static CommandResult Run(string executable, TimeSpan timeout, params string[] args)
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
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{commandLine}: could not start");
        process.OutputDataReceived += (_, e) => Append(stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(stderr, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return new CommandResult(commandLine, -1, $"timed out after {timeout.TotalSeconds:0} s\n{stdout}{stderr}");
        }

        process.WaitForExit(); // drains the asynchronous readers
        return new CommandResult(commandLine, process.ExitCode, stdout.ToString() + stderr);
    }

    /// <summary>Runs and fails the test with the command's output when it does not exit 0.</summary>
    public static string Check(string executable, TimeSpan timeout, params string[] args)
    {
        var result = Run(executable, timeout, args);
        Assert.True(result.Succeeded, result.ToString());
        return result.Output;
    }

    private static void Append(StringBuilder sb, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (sb)
        {
            sb.AppendLine(line);
        }
    }
}
