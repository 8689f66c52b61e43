using Tomlyn.Syntax;

namespace Overlay.Common.Toml;

/// <summary>
/// Reads the keys of one section with the types a schema expects, each value with where it was written. Every key
/// the schema does not know is reported when the reader is made; a required key that is missing, and a value of the
/// wrong type, when it is read (a missing key whose misspelling was already reported with a suggestion is not
/// reported twice). Nothing throws and nothing stops at the first problem: a read that fails returns null, so the
/// schema reader goes on and the user sees every problem at once. The messages are the <see cref="TomlDialect"/>'s.
/// </summary>
internal sealed partial class TomlSectionReader
{
    private readonly TomlDialect _dialect;
    private readonly ITomlDiagnostics _diagnostics;
    private readonly Dictionary<string, TomlEntry> _entries = new(StringComparer.Ordinal);
    private readonly HashSet<string> _suggested = new(StringComparer.Ordinal);

    public TomlSectionReader(TomlSection section, IReadOnlyList<string> knownKeys, TomlDialect dialect, ITomlDiagnostics diagnostics)
    {
        Section = section;
        _dialect = dialect;
        _diagnostics = diagnostics;
        foreach (var entry in section.Entries)
        {
            if (!entry.IsDotted)
            {
                _entries[entry.Key] = entry;
            }
        }

        ReportUnknownKeys(knownKeys);
    }

    public TomlSection Section { get; }

    public string SourceName => Section.HeaderLocation.File;

    /// <summary>Where problems of the section as a whole are reported (the dialect's choice: header or name).</summary>
    public TomlLocation Location => _dialect.SectionLocation(Section);

    /// <summary>The value of <paramref name="key"/>, or <see cref="Location"/> when it is not written.</summary>
    public TomlLocation LocationOf(string key) => _entries.TryGetValue(key, out var entry) ? entry.ValueLocation : Location;

    public bool Has(string key) => _entries.ContainsKey(key);

    /// <summary>
    /// True when an unknown key of this section was reported with <paramref name="key"/> as its suggestion: a check
    /// that <paramref name="key"/> is given then stays quiet, as a missing required key does.
    /// </summary>
    public bool WasSuggested(string key) => _suggested.Contains(key);

    /// <summary>Reports a problem the schema found in a value this reader read (a name's spelling, a range).</summary>
    public void Error(TomlLocation location, string message) => _diagnostics.Error(location, message);

    /// <summary>A string, empty or not.</summary>
    public Located<string>? String(string key, bool required) => ReadString(key, required, TomlExpectation.String);

    /// <summary>A string of at least one character; an empty one is reported like a wrong type.</summary>
    public Located<string>? NonEmptyString(string key, bool required) => ReadString(key, required, TomlExpectation.NonEmptyString);

    public Located<long>? Integer(string key, bool required) => ReadInteger(key, required, TomlExpectation.Integer);

    /// <summary>An integer in [<paramref name="min"/>, <paramref name="max"/>]; one outside is reported like a wrong type.</summary>
    public Located<long>? Integer(string key, long min, long max, bool required) =>
        ReadInteger(key, required, TomlExpectation.IntegerIn(min, max));

    public Located<bool>? Boolean(string key, bool required)
    {
        if (Find(key, required, TomlExpectation.Boolean) is not { } entry)
        {
            return null;
        }

        if (entry.Value is BooleanValueSyntax boolean)
        {
            return new Located<bool>(boolean.Value, entry.ValueLocation);
        }

        WrongValue(entry, TomlExpectation.Boolean);
        return null;
    }

    private Located<string>? ReadString(string key, bool required, TomlExpectation expected)
    {
        if (Find(key, required, expected) is not { } entry)
        {
            return null;
        }

        if (entry.Value is StringValueSyntax { Value: { } text } && (text.Length > 0 || expected.Kind != TomlValueKind.NonEmptyString))
        {
            return new Located<string>(text, entry.ValueLocation);
        }

        WrongValue(entry, expected);
        return null;
    }

    private Located<long>? ReadInteger(string key, bool required, TomlExpectation expected)
    {
        if (Find(key, required, expected) is not { } entry)
        {
            return null;
        }

        if (entry.Value is IntegerValueSyntax integer && expected.Accepts(integer.Value))
        {
            return new Located<long>(integer.Value, entry.ValueLocation);
        }

        WrongValue(entry, expected);
        return null;
    }

    private void ReportUnknownKeys(IReadOnlyList<string> knownKeys)
    {
        foreach (var entry in Section.Entries)
        {
            if (!entry.IsDotted && knownKeys.Contains(entry.Key))
            {
                continue;
            }

            var suggestion = _dialect.Suggest(entry.Key, knownKeys);
            if (suggestion is not null)
            {
                _suggested.Add(suggestion);
            }

            _diagnostics.Error(entry.KeyLocation, _dialect.UnknownKey(entry, Section, knownKeys, suggestion));
        }
    }

    /// <summary>The entry of <paramref name="key"/>; null when it is not written (reported when required).</summary>
    private TomlEntry? Find(string key, bool required, TomlExpectation expected)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            return entry;
        }

        if (required && !_suggested.Contains(key))
        {
            _diagnostics.Error(Location, _dialect.MissingKey(Section, key, expected));
        }

        return null;
    }

    private void WrongValue(TomlEntry entry, TomlExpectation expected) =>
        _diagnostics.Error(entry.ValueLocation, _dialect.WrongValue(entry, expected));
}
