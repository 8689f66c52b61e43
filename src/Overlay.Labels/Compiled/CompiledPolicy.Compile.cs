using System.Collections.Frozen;
using Overlay.Labels.Model;

namespace Overlay.Labels.Compiled;

public sealed partial class CompiledPolicy
{
    private CompiledPolicy(
        PolicyDefinition definition,
        string[] typeNames,
        TypeKind[] typeKinds,
        List<CompiledTvd> tvds,
        List<CompiledConflictSet> conflictSets,
        List<CompiledGuest> guests,
        List<CompiledResource> resources,
        List<CompiledHost> hosts,
        List<CompiledAttestation> attestations)
    {
        Definition = definition;
        _typeNames = typeNames;
        _typeKinds = typeKinds;
        _typeIds = typeNames.Select((n, i) => KeyValuePair.Create(n, i)).ToFrozenDictionary(StringComparer.Ordinal);
        Tvds = tvds;
        ConflictSets = conflictSets;
        Guests = guests;
        Resources = resources;
        Hosts = hosts;
        Attestations = attestations;
        _attestations = attestations.ToFrozenDictionary(a => a.Name, StringComparer.Ordinal);
        _tvds = tvds.ToFrozenDictionary(t => t.Name, StringComparer.Ordinal);
        _tvdsByLabel = tvds.ToFrozenDictionary(t => t.WireLabel, StringComparer.Ordinal);
        _guests = guests.ToFrozenDictionary(g => g.Name, StringComparer.Ordinal);
        _resources = resources.ToFrozenDictionary(r => r.Name, StringComparer.Ordinal);
        _hosts = hosts.ToFrozenDictionary(h => h.Name, StringComparer.Ordinal);
    }

    /// <summary>
    /// Compiles a definition that <see cref="Loading.PolicyLoader"/> accepted. A reference the loader
    /// would have rejected is a programming error here, reported as <see cref="ArgumentException"/>.
    /// </summary>
    public static CompiledPolicy Compile(PolicyDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);

        // STE types first (one per TVD), then Chinese-Wall-only types, in file order: ids are stable
        // for one file, which keeps explanations and audit output deterministic.
        var names = new List<string>();
        var kinds = new List<TypeKind>();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var tvd in definition.Tvds)
        {
            Intern(tvd.SteType, TypeKind.Ste);
        }

        foreach (var type in definition.ConflictSets.SelectMany(s => s.Types))
        {
            Intern(type, TypeKind.ChineseWall);
        }

        var count = names.Count;
        TypeSet Set(IEnumerable<string> types, string owner) => TypeSet.Create(count, types.Select(t =>
            ids.TryGetValue(t, out var id) ? id : throw new ArgumentException($"{owner}: unknown type '{t}'", nameof(definition))));

        var attestations = definition.Attestations.Select(a => new CompiledAttestation(a)).ToList();
        var attestationByName = attestations.ToDictionary(a => a.Name, StringComparer.Ordinal);
        var tvds = definition.Tvds.Select(t => new CompiledTvd(ids[t.SteType], t, Requirement(t))).ToList();
        var tvdByName = tvds.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var conflictSets = definition.ConflictSets.Select(s => new CompiledConflictSet(s.Name, Set(s.Types, $"conflict set {s.Name}"))).ToList();

        var guests = new List<CompiledGuest>(definition.Guests.Count);
        foreach (var g in definition.Guests)
        {
            var all = g.SteTypes.Concat(g.CwTypes).Distinct(StringComparer.Ordinal).ToList();
            var allIds = all.Select(t => ids.TryGetValue(t, out var id) ? id : -1).ToHashSet();
            var conflicting = conflictSets
                .Where(s => allIds.Any(s.Types.Contains))
                .SelectMany(s => s.Types.Ids())
                .Where(t => !allIds.Contains(t));
            guests.Add(new CompiledGuest(
                guests.Count,
                g,
                Set(g.SteTypes, $"guest {g.Name}"),
                Set(all, $"guest {g.Name}"),
                TypeSet.Create(count, conflicting)));
        }

        var resources = new List<CompiledResource>(definition.Networks.Count + definition.Volumes.Count);
        foreach (var n in definition.Networks)
        {
            var tvd = tvdByName.GetValueOrDefault(n.Tvd)
                ?? throw new ArgumentException($"network {n.Name}: unknown TVD '{n.Tvd}'", nameof(definition));
            resources.Add(new CompiledResource(resources.Count, n.Name, ResourceKind.Network, TypeSet.Create(count, [tvd.TypeId]), tvd));
        }

        foreach (var v in definition.Volumes)
        {
            resources.Add(new CompiledResource(resources.Count, v.Name, ResourceKind.Volume, Set(v.SteTypes, $"volume {v.Name}"), null));
        }

        var hosts = definition.Hosts
            .Select((h, i) => new CompiledHost(i, h, h.AllTypes ? TypeSet.Create(count, Enumerable.Range(0, count)) : Set(h.Types, $"host {h.Name}")))
            .ToList();

        return new CompiledPolicy(definition, [.. names], [.. kinds], tvds, conflictSets, guests, resources, hosts, attestations);

        CompiledAttestation? Requirement(TvdDefinition tvd) => tvd.Attestation is not { } name
            ? null
            : attestationByName.GetValueOrDefault(name)
                ?? throw new ArgumentException($"TVD {tvd.Name}: unknown attestation requirement '{name}'", nameof(definition));

        void Intern(string type, TypeKind kind)
        {
            if (ids.TryAdd(type, names.Count))
            {
                names.Add(type);
                kinds.Add(kind);
            }
        }
    }
}
