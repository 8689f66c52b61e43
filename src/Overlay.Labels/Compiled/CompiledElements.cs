using Overlay.Labels.Model;

namespace Overlay.Labels.Compiled;

public enum TypeKind
{
    /// <summary>A Simple Type Enforcement type: the type of a TVD.</summary>
    Ste,

    /// <summary>A Chinese Wall type that is no TVD's type (e.g. a customer: hertz, avis).</summary>
    ChineseWall,
}

public enum ResourceKind
{
    Network,
    Volume,
}

/// <param name="Attestation">What a peer host must prove to join this TVD; null when it requires nothing (then carriage alone decides).</param>
public sealed record CompiledTvd(int TypeId, TvdDefinition Definition, CompiledAttestation? Attestation)
{
    public string Name => Definition.Name;

    public int VlanId => Definition.VlanId;

    public string WireLabel => Definition.WireLabel;
}

public sealed record CompiledConflictSet(string Name, TypeSet Types);

/// <summary>A guest with its type sets precomputed for decisions.</summary>
/// <param name="SteTypes">Types for Simple Type Enforcement (binding to resources).</param>
/// <param name="AllTypes">STE ∪ CW types: what host authorization and the Chinese Wall look at.</param>
/// <param name="ConflictTypes">Every type that shares a conflict set with one of <paramref name="AllTypes"/>
/// (excluding the guest's own types): a running guest holding one of these blocks this guest's start.</param>
public sealed record CompiledGuest(int Id, GuestDefinition Definition, TypeSet SteTypes, TypeSet AllTypes, TypeSet ConflictTypes)
{
    public string Name => Definition.Name;
}

public sealed record CompiledResource(int Id, string Name, ResourceKind Kind, TypeSet SteTypes, CompiledTvd? Tvd);

public sealed record CompiledHost(int Id, HostDefinition Definition, TypeSet AllowedTypes)
{
    public string Name => Definition.Name;

    public bool AllowsEveryType => Definition.AllTypes;
}
