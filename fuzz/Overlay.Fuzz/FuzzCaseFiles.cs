namespace Overlay.Fuzz;

/// <summary>
/// The saved cases of a test project's targets, as copied next to its test assembly (FuzzCases/&lt;target&gt;/): what
/// each module's FuzzCaseTests replays. A case is a file afl-tmin minimized from a crash (crash-*), a hang (hang-*)
/// or an interesting corpus entry (corpus-*).
/// </summary>
public static class FuzzCaseFiles
{
    public static string Folder(string target) => Path.Combine(AppContext.BaseDirectory, "FuzzCases", target);

    public static IReadOnlyList<string> Files(string target) =>
        Directory.Exists(Folder(target)) ? [.. Directory.EnumerateFiles(Folder(target)).Select(Path.GetFileName).Order(StringComparer.Ordinal)!] : [];

    /// <summary>(target, file) rows for every saved case of the targets that belong to <paramref name="testProject"/>.</summary>
    public static IEnumerable<object[]> Rows(string testProject) =>
        FuzzTargets.Of(testProject).SelectMany(t => Files(t.Name).Select(f => new object[] { t.Name, f }));

    /// <summary>The names of the targets that belong to <paramref name="testProject"/>.</summary>
    public static IEnumerable<object[]> Targets(string testProject) => FuzzTargets.Of(testProject).Select(t => new object[] { t.Name });

    /// <summary>Runs one saved case through its target with every oracle; throws what the fuzzer saw if it still fails.</summary>
    public static void Replay(string target, string file)
    {
        var t = FuzzTargets.Find(target) ?? throw new ArgumentException($"no fuzz target '{target}'");
        t.Run(File.ReadAllBytes(Path.Combine(Folder(target), file)));
    }
}
