using Overlay.Fuzz.Targets;

namespace Overlay.Fuzz;

/// <summary>Every fuzz target: one per untrusted input (docs/fuzzing.md has the table).</summary>
public static class FuzzTargets
{
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new IkeMessageTarget(),
        new IkeResponderTarget(),
        new EspOpenTarget(),
        new GuestFrameTarget(),
        new EvidenceTarget(),
        new ImaListTarget(),
        new Tpm2FilesTarget(),
        new PolicyTomlTarget(),
        new DaemonConfigTarget(),
        new ControlRequestTarget(),
    ];

    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);

    /// <summary>Targets whose FuzzCases folder lives in <paramref name="testProject"/>.</summary>
    public static IEnumerable<FuzzTarget> Of(string testProject) => All.Where(t => t.TestProject == testProject);
}
