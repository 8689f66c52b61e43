namespace Overlay.Labels.Engine;

public sealed record RunningGuest(string Host, string Guest);

public sealed record Binding(string Guest, string Resource);

/// <summary>A consistent copy of the engine's live state, for status output and tests.</summary>
public sealed record EngineSnapshot(
    string PolicyName,
    long PolicyVersion,
    IReadOnlyList<RunningGuest> Running,
    IReadOnlyList<Binding> Bindings);
