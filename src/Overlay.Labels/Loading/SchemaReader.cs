using Overlay.Common.Toml;

namespace Overlay.Labels.Loading;

/// <summary>
/// Turns the located tables of a policy file into a <see cref="PolicyDraft"/>: which tables exist and how they
/// are written (<c>[policy]</c> once, <c>[[tvd]]</c> and the other entity kinds as arrays of tables), then,
/// per table, the checks that need nothing but that table (one partial file per section). Checks across tables
/// are <see cref="PolicyValidator"/>'s.
/// </summary>
internal sealed partial class SchemaReader
{
    public const string PolicySection = "policy";
    public const string TvdSection = "tvd";
    public const string ConflictSetSection = "conflict_set";
    public const string GuestSection = "guest";
    public const string NetworkSection = "network";
    public const string VolumeSection = "volume";
    public const string HostSection = "host";
    public const string AttestationSection = "attestation";

    /// <summary>Every table the schema knows and how it must be written.</summary>
    public static readonly IReadOnlyDictionary<string, SectionForm> KnownSections = new Dictionary<string, SectionForm>(StringComparer.Ordinal)
    {
        [PolicySection] = SectionForm.Table,
        [TvdSection] = SectionForm.ArrayOfTables,
        [ConflictSetSection] = SectionForm.ArrayOfTables,
        [GuestSection] = SectionForm.ArrayOfTables,
        [NetworkSection] = SectionForm.ArrayOfTables,
        [VolumeSection] = SectionForm.ArrayOfTables,
        [HostSection] = SectionForm.ArrayOfTables,
        [AttestationSection] = SectionForm.ArrayOfTables,
    };

    private readonly DiagnosticCollector _diagnostics;
    private readonly PolicyDraft _draft = new();

    private SchemaReader(DiagnosticCollector diagnostics) => _diagnostics = diagnostics;

    public static PolicyDraft Read(IReadOnlyList<TomlSection> sections, string sourceName, DiagnosticCollector diagnostics)
    {
        var reader = new SchemaReader(diagnostics);
        foreach (var section in sections)
        {
            reader.ReadSection(section);
        }

        reader.ReportMissingSections(sourceName);
        return reader._draft;
    }

    private void ReadSection(TomlSection section)
    {
        if (section.Form == SectionForm.Root)
        {
            ReportRootKeys(section);
            return;
        }

        if (!KnownSections.TryGetValue(section.Name, out var form))
        {
            ReportUnknownSection(section);
            return;
        }

        if (form != section.Form)
        {
            var expected = (section with { Form = form }).Header;
            var kind = form == SectionForm.Table ? "a single table" : "an array of tables";
            _diagnostics.Error(section.HeaderLocation,
                $"`{section.Name}` is {kind}: write {expected}, not {section.Header}");
        }

        // A table written in the wrong form is still read, so that its other mistakes show up in the same run.
        switch (section.Name)
        {
            case PolicySection: ReadPolicy(section); break;
            case TvdSection: ReadTvd(section); break;
            case ConflictSetSection: ReadConflictSet(section); break;
            case GuestSection: ReadGuest(section); break;
            case NetworkSection: ReadNetwork(section); break;
            case VolumeSection: ReadVolume(section); break;
            case HostSection: ReadHost(section); break;
            case AttestationSection: ReadAttestation(section); break;
        }
    }

    private void ReportRootKeys(TomlSection root)
    {
        foreach (var entry in root.Entries)
        {
            var message = KnownSections.TryGetValue(entry.Key, out var form)
                ? $"`{entry.Key}` must be written as {(form == SectionForm.Table ? $"a [{entry.Key}] table" : $"[[{entry.Key}]] tables")}, not as a key"
                : $"key `{entry.Key}` is outside any table; every key belongs to a table such as [policy] or [[tvd]]";
            _diagnostics.Error(entry.KeyLocation, message);
        }
    }

    private void ReportUnknownSection(TomlSection section)
    {
        if (section.Name == $"{AttestationSection}.{AkPinsKey}")
        {
            _diagnostics.Error(section.NameLocation,
                $"unknown table {section.Header}: write the pins inside [[{AttestationSection}]] as an inline table, `{AkPinsKey} = {{ host1 = \"<fingerprint>\" }}`");
            return;
        }

        var dot = section.Name.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0 && KnownSections.ContainsKey(section.Name[..dot]))
        {
            _diagnostics.Error(section.NameLocation,
                $"unknown table {section.Header}: policy tables are not nested; put the keys in {(section with { Name = section.Name[..dot] }).Header}");
            return;
        }

        var closest = Suggestions.Closest(section.Name, KnownSections.Keys);
        var suggestion = closest is null
            ? $" (known tables: {string.Join(", ", KnownSections.Select(s => HeaderOf(s.Key, s.Value)))})"
            : $"; did you mean {HeaderOf(closest, KnownSections[closest])}?";
        _diagnostics.Error(section.NameLocation, $"unknown table {section.Header}{suggestion}");
    }

    private void ReportMissingSections(string sourceName)
    {
        if (_draft.Policy is null)
        {
            _diagnostics.Error(TomlLocation.StartOf(sourceName), "the policy has no [policy] table (it needs `name` and `version`)");
        }

        if (_draft.Tvds.Count == 0)
        {
            _diagnostics.Error(TomlLocation.StartOf(sourceName), "the policy defines no TVD; add at least one [[tvd]] table");
        }
    }

    private static string HeaderOf(string name, SectionForm form) => TomlSection.HeaderOf(name, form);

    /// <summary>A reader of <paramref name="section"/>'s keys that words its problems the policy's way.</summary>
    private TomlSectionReader Open(TomlSection section, IReadOnlyList<string> knownKeys) =>
        new(section, knownKeys, PolicyDialect.Instance, _diagnostics);

    /// <summary>A string that must follow <see cref="NameRules"/>; a bad one is reported and still returned,
    /// so that references to it do not add "unknown name" errors on top.</summary>
    private Located<string>? ReadName(TomlSectionReader reader, string key, bool required)
    {
        var name = reader.String(key, required);
        if (name is { } value && NameRules.ProblemWithName(value.Value) is { } problem)
        {
            _diagnostics.Error(value.Location, $"`{key}` \"{value.Value}\" {problem}");
        }

        return name;
    }

    /// <summary>A list of type names, each following <see cref="NameRules"/>.</summary>
    private Located<IReadOnlyList<Located<string>>>? ReadTypeNames(TomlSectionReader reader, string key, bool required)
    {
        var list = reader.StringList(key, required);
        foreach (var item in list?.Value ?? [])
        {
            if (NameRules.ProblemWithName(item.Value) is { } problem)
            {
                _diagnostics.Error(item.Location, $"type \"{item.Value}\" {problem}");
            }
        }

        return list;
    }

    private static string Describe(string kind, Located<string>? name) =>
        name is { } n ? $"{kind} `{n.Value}`" : kind;
}
