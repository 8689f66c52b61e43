using System.Diagnostics;

namespace Overlay.Cli.Tests;

/// <summary>Runs the real tvdctl (the built assembly, through the dotnet host) and captures its output.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr)
    {
        public string All => StdOut + StdErr;
    }

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TvdOverlay.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("TvdOverlay.sln not found");
    }

    public static string ExamplePolicy => Path.Combine(RepoRoot(), "examples", "policy.toml");

    /// <summary>Copies the example policy into <paramref name="directory"/> as policy.toml, with the reference values it names.</summary>
    public static void CopyExamplePolicy(string directory, string name = "policy.toml")
    {
        File.Copy(ExamplePolicy, Path.Combine(directory, name), overwrite: true);
        File.Copy(Path.Combine(RepoRoot(), "examples", "reference.txt"), Path.Combine(directory, "reference.txt"), overwrite: true);
    }

    public static Result Run(params string[] args) => RunWith(null, args);

    /// <summary>Runs tvdctl with extra environment variables.</summary>
    public static Result RunWith(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "tvdctl.dll"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        return Execute(psi, environment);
    }

    /// <summary>Runs any program (e.g. tpm2-tools), bounded to 30 s.</summary>
    public static Result Exec(IReadOnlyDictionary<string, string>? environment, string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        return Execute(psi, environment);
    }

    private static Result Execute(ProcessStartInfo psi, IReadOnlyDictionary<string, string>? environment)
    {
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException(psi.FileName + " " + string.Join(' ', psi.ArgumentList));
        }

        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }
}
