using Overlay.Labels.Compiled;
using Overlay.Labels.Engine;
using Overlay.Labels.Loading;

namespace Overlay.Hypervisor.Tests.Support;

/// <summary>examples/policy.toml through the real loader: hr-db (red), acct-app (blue), bridge-gw (red+blue),
/// hertz-web/avis-web (green, Chinese Wall car-rental), volume hr-records (red), host1 (*), host2 (red, green).</summary>
internal static class TestPolicies
{
    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "TvdOverlay.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("TvdOverlay.sln not found above " + AppContext.BaseDirectory);
    }

    public static CompiledPolicy Example()
    {
        var result = PolicyLoader.LoadFile(Path.Combine(RepoRoot(), "examples", "policy.toml"));
        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        return CompiledPolicy.Compile(result.Policy!);
    }

    public static PolicyEngine ExampleEngine() => new(Example());
}
