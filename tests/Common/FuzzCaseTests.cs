using System.Runtime.Versioning;
using Overlay.Fuzz;

namespace Overlay.Tests.Common;

/// <summary>
/// Replays every saved fuzz case of this module's targets (FuzzCases/&lt;target&gt;/: minimized crashes, hangs and
/// interesting corpus entries from afl-fuzz, docs/fuzzing.md) through the target with all its oracles, and fails when
/// a target has no saved case at all. Linked into each test project that owns fuzz targets (docs/fuzzing.md); the
/// project is this assembly's name.
/// </summary>
[SupportedOSPlatform("linux")] // the fuzz targets run the daemon's Linux-only code
public sealed class FuzzCaseTests
{
    private static readonly string Project = typeof(FuzzCaseTests).Assembly.GetName().Name!;

    public static IEnumerable<object[]> Cases() => FuzzCaseFiles.Rows(Project);

    public static IEnumerable<object[]> Targets() => FuzzCaseFiles.Targets(Project);

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_saved_case_runs_through_its_target_without_a_finding(string target, string file) => FuzzCaseFiles.Replay(target, file);

    [Theory]
    [MemberData(nameof(Targets))]
    public void Every_target_has_saved_cases(string target) =>
        Assert.True(FuzzCaseFiles.Files(target).Count > 0, $"{FuzzCaseFiles.Folder(target)} is empty: save at least one case (scripts/fuzz.sh does for findings)");
}
