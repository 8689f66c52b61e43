using Overlay.Fuzz.Targets;

namespace Overlay.Fuzz;

/// <summary>Every fuzz target: one per untrusted input (docs/fuzzing.md has the table).</summary>
public static class FuzzTargets
{
    /// <summary>
    /// Names and constructors. Under afl-fuzz no instrumented code may run before SharpFuzz has mapped AFL's shared
    /// memory, and some targets' constructors run ours: <c>run</c> creates its target inside the fuzzing loop.
    /// </summary>
    private static readonly (string Name, Func<FuzzTarget> Create)[] Factories =
    [
        ("ike-message", () => new IkeMessageTarget()),
        ("ike-responder", () => new IkeResponderTarget()),
        ("esp-open", () => new EspOpenTarget()),
        ("guest-frames", () => new GuestFrameTarget()),
        ("neighbor-discovery", () => new NeighborDiscoveryTarget()),
        ("evidence", () => new EvidenceTarget()),
        ("ima-list", () => new ImaListTarget()),
        ("tpm2-files", () => new Tpm2FilesTarget()),
        ("policy-toml", () => new PolicyTomlTarget()),
        ("daemon-config", () => new DaemonConfigTarget()),
        ("control-request", () => new ControlRequestTarget()),
        ("boinc-request", () => new BoincRequestTarget()),
        ("cluster-record", () => new ClusterRecordTarget()),
    ];

    private static readonly Lazy<IReadOnlyList<FuzzTarget>> Instances = new(() => [.. Factories.Select(f => f.Create())]);

    public static IEnumerable<string> Names => Factories.Select(f => f.Name);

    public static IReadOnlyList<FuzzTarget> All => Instances.Value;

    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);

    /// <summary>A new instance of the named target, or null.</summary>
    public static FuzzTarget? Create(string name) => Factories.FirstOrDefault(f => f.Name == name).Create?.Invoke();

    /// <summary>Targets whose FuzzCases folder lives in <paramref name="testProject"/>.</summary>
    public static IEnumerable<FuzzTarget> Of(string testProject) => All.Where(t => t.TestProject == testProject);
}
