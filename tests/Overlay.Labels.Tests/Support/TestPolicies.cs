using Overlay.Labels.Compiled;
using Overlay.Labels.Loading;
using Overlay.Labels.Model;

namespace Overlay.Labels.Tests.Support;

/// <summary>Policies for decision tests: the seed example from examples/policy.toml, and hand-built ones.</summary>
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

    public static string ExamplePath => Path.Combine(RepoRoot(), "examples", "policy.toml");

    /// <summary>examples/policy.toml, through the real loader.</summary>
    public static CompiledPolicy Example()
    {
        var result = PolicyLoader.LoadFile(ExamplePath);
        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        return CompiledPolicy.Compile(result.Policy!);
    }

    /// <summary>The example policy text with edits, loaded as a new file (for reload tests).</summary>
    public static CompiledPolicy FromText(string toml, string name = "test.toml")
    {
        var result = PolicyLoader.Load(toml, name);
        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        return CompiledPolicy.Compile(result.Policy!);
    }

    public static string ExampleText() => File.ReadAllText(ExamplePath);

    /// <summary>
    /// The example as the next version: name kept, version 2, replaces 1, with <paramref name="edit"/>
    /// applied to the TOML text.
    /// </summary>
    public static CompiledPolicy NextVersion(Func<string, string> edit, long version = 2, long? replaces = 1)
    {
        var text = ExampleText().Replace("version = 1", $"version = {version}" + (replaces is null ? "" : $"\nreplaces = {replaces}"));
        return FromText(edit(text), $"policy-v{version}.toml");
    }

    private static readonly SourceLocation Here = new("built", 1, 1);

    /// <summary>
    /// A synthetic policy of <paramref name="tvds"/> TVDs and <paramref name="guests"/> guests, each guest in
    /// one TVD, every tenth guest also holding a CW type of one of <paramref name="conflictSets"/> pairs
    /// (guest 10·k holds side a or b of set k mod n, so g10 and g210 conflict when n = 20).
    /// Used by scale tests and the benchmark.
    /// </summary>
    public static PolicyDefinition Synthetic(int tvds, int guests, int conflictSets)
    {
        var tvdDefs = Enumerable.Range(0, tvds)
            .Select(i => new TvdDefinition($"tvd{i}", "", $"tvd{i}", i + 1, $"tvd:tvd{i}", null, Here)).ToList();
        var sets = Enumerable.Range(0, conflictSets)
            .Select(i => new ConflictSetDefinition($"cs{i}", [$"cw{i}a", $"cw{i}b"], Here)).ToList();
        var guestDefs = Enumerable.Range(0, guests).Select(i =>
        {
            var k = i / 10;
            IReadOnlyList<string> cw = i % 10 == 0 && conflictSets > 0 ? [$"cw{k % conflictSets}{(k / conflictSets % 2 == 0 ? 'a' : 'b')}"] : [];
            return new GuestDefinition($"g{i}", [$"tvd{i % tvds}"], cw, [$"net{i % tvds}"], Here);
        }).ToList();
        var networks = Enumerable.Range(0, tvds).Select(i => new NetworkDefinition($"net{i}", $"tvd{i}", Here)).ToList();
        var hosts = new List<HostDefinition> { new("h0", [], true, Here) };
        return new PolicyDefinition("synthetic", 1, null, tvdDefs, sets, guestDefs, networks, [], hosts, "built");
    }
}
