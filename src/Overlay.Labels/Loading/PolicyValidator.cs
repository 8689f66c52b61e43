using Overlay.Common.Toml;

namespace Overlay.Labels.Loading;

/// <summary>
/// The checks that span tables: names unique per kind, TVDs not sharing a VLAN, type or wire label, every
/// reference naming something defined (attestation requirements included), and the Chinese Wall sanity checks. One partial file per concern.
/// Values a schema reader already rejected are null in the draft and skipped here.
/// </summary>
internal sealed partial class PolicyValidator
{
    /// <summary>How many known names a "no such name" message lists when no single one is close.</summary>
    private const int MaxListedNames = 10;

    private readonly PolicyDraft _draft;
    private readonly DiagnosticCollector _diagnostics;

    /// <summary>STE type → the first TVD that has it.</summary>
    private readonly Dictionary<string, TvdDraft> _steTypes = new(StringComparer.Ordinal);

    /// <summary>Every type appearing in a conflict set.</summary>
    private readonly HashSet<string> _cwTypes = new(StringComparer.Ordinal);

    private readonly Dictionary<string, TvdDraft> _tvdsByName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NetworkDraft> _networksByName = new(StringComparer.Ordinal);

    private PolicyValidator(PolicyDraft draft, DiagnosticCollector diagnostics)
    {
        _draft = draft;
        _diagnostics = diagnostics;
        foreach (var tvd in draft.Tvds)
        {
            if (tvd.SteType is { } type)
            {
                _steTypes.TryAdd(type.Value, tvd);
            }

            if (tvd.Name is { } name)
            {
                _tvdsByName.TryAdd(name.Value, tvd);
            }
        }

        foreach (var type in draft.ConflictSets.SelectMany(set => set.Types))
        {
            _cwTypes.Add(type.Value);
        }

        foreach (var network in draft.Networks)
        {
            if (network.Name is { } name)
            {
                _networksByName.TryAdd(name.Value, network);
            }
        }
    }

    public static void Validate(PolicyDraft draft, DiagnosticCollector diagnostics)
    {
        var validator = new PolicyValidator(draft, diagnostics);
        validator.CheckUniqueNames();
        validator.CheckTvdsDistinct();
        validator.CheckNetworks();
        validator.CheckGuests();
        validator.CheckVolumes();
        validator.CheckHosts();
        validator.CheckConflictSetsAreSatisfiable();
        validator.WarnAboutUnusedConflictTypes();
        validator.CheckAttestations();
        validator.WarnAboutUnusedAttestations();
    }

    /// <summary>"unknown X `y`; did you mean `z`?" or, with no close name, the list of known ones.</summary>
    private void ReportUnknown(Located<string> reference, string what, IEnumerable<string> known, string context)
    {
        var names = known.ToList();
        var closest = Suggestions.Closest(reference.Value, names);
        var hint = closest is not null
            ? $"; did you mean `{closest}`?"
            : names.Count == 0
                ? $" (the policy defines no {what})"
                : $" (known: {string.Join(", ", names.Take(MaxListedNames))}{(names.Count > MaxListedNames ? ", …" : "")})";
        _diagnostics.Error(reference.Location, $"{context} names unknown {what} `{reference.Value}`{hint}");
    }

    private static string Describe(string kind, Located<string>? name) =>
        name is { } n ? $"{kind} `{n.Value}`" : kind;
}
