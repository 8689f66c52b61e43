using System.Diagnostics;

namespace Overlay.Attest.Tests.Fixtures;

/// <summary>Runs a real tpm2-tools binary with a bounded wait and returns its exit code and output.</summary>
internal static class ToolRunner
{
    public static (int ExitCode, string Output) Run(string tool, string? tcti, params string[] args)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("TPM2TOOLS_TCTI");
        if (tcti is not null)
        {
            start.Environment["TPM2TOOLS_TCTI"] = tcti;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{tool} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(30_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', args)} did not finish in 30 s");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    public static string Check(string tool, string? tcti, params string[] args)
    {
        var (code, output) = Run(tool, tcti, args);
        Assert.True(code == 0, $"{tool} {string.Join(' ', args)} exited {code}: {output}");
        return output;
    }
}
