using Overlay.Labels.Compiled;
using Overlay.Labels.Loading;
using Overlay.Labels.Model;

namespace Overlay.Cli.Policy;

/// <summary>Loads a policy file for a CLI verb, printing every diagnostic the way compilers do.</summary>
internal static class PolicyFile
{
    public static readonly System.CommandLine.Argument<string> Argument = new("FILE") { Description = "Policy file (TOML)" };

    /// <summary>The compiled policy, or null after printing the errors (the verb then exits 2).</summary>
    public static CompiledPolicy? Load(string path, TextWriter output, bool printWarnings) => Load(path, output, printWarnings, out _);

    /// <summary>The same, also giving the warnings (for a --json document that carries them).</summary>
    public static CompiledPolicy? Load(string path, TextWriter output, bool printWarnings, out IReadOnlyList<PolicyDiagnostic> warnings)
    {
        var result = PolicyLoader.LoadFile(path);
        warnings = result.Warnings.ToList();
        foreach (var diagnostic in result.Diagnostics)
        {
            if (diagnostic.Severity == DiagnosticSeverity.Error || printWarnings)
            {
                output.WriteLine(diagnostic.ToString());
            }
        }

        if (!result.Succeeded)
        {
            var errors = result.Errors.Count();
            output.WriteLine($"{path}: {errors} error{(errors == 1 ? "" : "s")}, policy not loaded");
            return null;
        }

        return CompiledPolicy.Compile(result.Policy!);
    }
}
