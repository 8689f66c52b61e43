using Overlay.Common.Toml;

namespace Overlay.Labels.Loading;

internal sealed partial class PolicyValidator
{
    private void CheckUniqueNames()
    {
        CheckUnique("TVD", _draft.Tvds.Select(t => t.Name));
        CheckUnique("conflict set", _draft.ConflictSets.Select(c => c.Name));
        CheckUnique("guest", _draft.Guests.Select(g => g.Name));
        CheckUnique("network", _draft.Networks.Select(n => n.Name));
        CheckUnique("volume", _draft.Volumes.Select(v => v.Name));
        CheckUnique("host", _draft.Hosts.Select(h => h.Name));
        CheckUnique("attestation", _draft.Attestations.Select(a => a.Name));
    }

    private void CheckUnique(string kind, IEnumerable<Located<string>?> names)
    {
        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (name is not { } n)
            {
                continue;
            }

            if (!firstLine.TryAdd(n.Value, n.Location.Line))
            {
                _diagnostics.Error(n.Location, $"duplicate {kind} name `{n.Value}` (first defined on line {firstLine[n.Value]})");
            }
        }
    }

    /// <summary>
    /// A VLAN id, an STE type and a wire label each identify exactly one TVD: on the wire between hosts, in
    /// the access-control decisions, and in IKE.
    /// </summary>
    private void CheckTvdsDistinct()
    {
        var byVlan = new Dictionary<long, TvdDraft>();
        var byType = new Dictionary<string, TvdDraft>(StringComparer.Ordinal);
        var byLabel = new Dictionary<string, TvdDraft>(StringComparer.Ordinal);
        foreach (var tvd in _draft.Tvds)
        {
            if (tvd.Vlan is { } vlan && !byVlan.TryAdd(vlan.Value, tvd))
            {
                var first = byVlan[vlan.Value];
                _diagnostics.Error(vlan.Location,
                    $"VLAN id {vlan.Value} of {Describe("TVD", tvd.Name)} is already used by {Describe("TVD", first.Name)} (line {first.Vlan!.Value.Location.Line})");
            }

            if (tvd.SteType is { } type && !byType.TryAdd(type.Value, tvd))
            {
                var first = byType[type.Value];
                _diagnostics.Error(type.Location,
                    $"STE type `{type.Value}` of {Describe("TVD", tvd.Name)} is already the type of {Describe("TVD", first.Name)} (line {first.SteType!.Value.Location.Line}); each TVD needs its own type");
            }

            if (tvd.WireLabel is { } label && !byLabel.TryAdd(label.Value, tvd))
            {
                var first = byLabel[label.Value];
                _diagnostics.Error(label.Location,
                    $"wire label `{label.Value}` of {Describe("TVD", tvd.Name)} is already used by {Describe("TVD", first.Name)} (line {first.WireLabel!.Value.Location.Line})");
            }
        }
    }
}
