using System.Collections.Frozen;
using Overlay.Labels.Model;

namespace Overlay.Labels.Compiled;

/// <summary>
/// A validated policy in the form decisions run on: names interned to dense ids, type sets as
/// bitmaps, Chinese Wall conflicts folded per guest. Immutable, so the engine swaps it atomically
/// on reload and decisions read it without locks.
/// </summary>
public sealed partial class CompiledPolicy
{
    private readonly string[] _typeNames;
    private readonly TypeKind[] _typeKinds;
    private readonly FrozenDictionary<string, int> _typeIds;
    private readonly FrozenDictionary<string, CompiledGuest> _guests;
    private readonly FrozenDictionary<string, CompiledResource> _resources;
    private readonly FrozenDictionary<string, CompiledHost> _hosts;
    private readonly FrozenDictionary<string, CompiledTvd> _tvds;
    private readonly FrozenDictionary<string, CompiledTvd> _tvdsByLabel;
    private readonly FrozenDictionary<string, CompiledAttestation> _attestations;

    public PolicyDefinition Definition { get; }

    public string Name => Definition.Name;

    public long Version => Definition.Version;

    public int TypeCount => _typeNames.Length;

    public IReadOnlyList<CompiledTvd> Tvds { get; }

    public IReadOnlyList<CompiledGuest> Guests { get; }

    public IReadOnlyList<CompiledResource> Resources { get; }

    public IReadOnlyList<CompiledHost> Hosts { get; }

    public IReadOnlyList<CompiledConflictSet> ConflictSets { get; }

    /// <summary>The attestation requirements, in file order.</summary>
    public IReadOnlyList<CompiledAttestation> Attestations { get; }

    public string TypeName(int typeId) => _typeNames[typeId];

    public TypeKind KindOf(int typeId) => _typeKinds[typeId];

    public bool TryGetTypeId(string name, out int typeId) => _typeIds.TryGetValue(name, out typeId);

    public CompiledGuest? FindGuest(string name) => _guests.GetValueOrDefault(name);

    public CompiledResource? FindResource(string name) => _resources.GetValueOrDefault(name);

    public CompiledHost? FindHost(string name) => _hosts.GetValueOrDefault(name);

    public CompiledTvd? FindTvd(string name) => _tvds.GetValueOrDefault(name);

    /// <summary>The TVD whose wire label (the RFC 9478 TS_SECLABEL text IKE negotiates) is <paramref name="label"/>; labels are unique.</summary>
    public CompiledTvd? FindTvdByLabel(string label) => _tvdsByLabel.GetValueOrDefault(label);

    public bool HasHost(string name) => _hosts.ContainsKey(name);

    public CompiledAttestation? FindAttestation(string name) => _attestations.GetValueOrDefault(name);

    /// <summary>The TVDs that name <paramref name="attestation"/>, in policy order.</summary>
    public IEnumerable<CompiledTvd> TvdsRequiring(CompiledAttestation attestation) =>
        Tvds.Where(t => ReferenceEquals(t.Attestation, attestation));

    /// <summary>The type names of a set, in id order, for explanations.</summary>
    public IEnumerable<string> TypeNames(TypeSet set) => set.Ids().Select(TypeName);

    /// <summary>The conflict sets that hold both types, for explanations.</summary>
    public IEnumerable<CompiledConflictSet> ConflictSetsHolding(int typeA, int typeB) =>
        ConflictSets.Where(s => s.Types.Contains(typeA) && s.Types.Contains(typeB));
}
