namespace Overlay.Labels.Loading;

/// <summary>
/// Chinese Wall checks. A guest's CW-relevant types are its STE types and its <c>cw_types</c>; a guest may start
/// on a host only when no running guest there holds another type of a conflict set it belongs to.
/// </summary>
internal sealed partial class PolicyValidator
{
    /// <summary>
    /// A guest holding two types of one conflict set conflicts with itself: it can never start anywhere.
    /// Reported at the later of the two types, as the one that broke it.
    /// </summary>
    private void CheckConflictSetsAreSatisfiable()
    {
        foreach (var guest in _draft.Guests)
        {
            var held = guest.SteTypes.Concat(guest.CwTypes)
                .OrderBy(t => t.Location.Line).ThenBy(t => t.Location.Column)
                .ToList();
            foreach (var set in _draft.ConflictSets)
            {
                var inSet = held.Where(t => set.Types.Any(s => s.Value == t.Value))
                    .DistinctBy(t => t.Value)
                    .ToList();
                if (inSet.Count >= 2)
                {
                    _diagnostics.Error(inSet[1].Location,
                        $"{Describe("guest", guest.Name)} holds both `{inSet[0].Value}` and `{inSet[1].Value}` of {Describe("conflict set", set.Name)}, so it could never start");
                }
            }
        }
    }

    /// <summary>
    /// A conflict-set type that no TVD has and no guest lists in <c>cw_types</c> constrains nothing, which is
    /// most likely a typo or a leftover; a warning, since such a policy is still safe to run.
    /// </summary>
    private void WarnAboutUnusedConflictTypes()
    {
        var used = new HashSet<string>(_steTypes.Keys, StringComparer.Ordinal);
        used.UnionWith(_draft.Guests.SelectMany(g => g.CwTypes).Select(t => t.Value));
        var warned = new HashSet<string>(StringComparer.Ordinal);
        foreach (var set in _draft.ConflictSets)
        {
            foreach (var type in set.Types)
            {
                if (!used.Contains(type.Value) && warned.Add(type.Value))
                {
                    _diagnostics.Warning(type.Location,
                        $"type `{type.Value}` of {Describe("conflict set", set.Name)} is held by no guest and no TVD, so it constrains nothing");
                }
            }
        }
    }
}
