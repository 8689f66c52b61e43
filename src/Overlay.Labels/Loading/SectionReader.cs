using System.Globalization;
using Overlay.Labels.Model;
using Tomlyn.Syntax;

namespace Overlay.Labels.Loading;

/// <summary>
/// Reads the keys of one table with their expected TOML types, reporting a wrong type at the value, and, in
/// <see cref="Finish"/>, every key the schema does not know (with a "did you mean") and every required key that
/// is missing. A missing key whose misspelling was reported as unknown is not reported twice.
/// </summary>
internal sealed class SectionReader
{
    private readonly TomlSection _section;
    private readonly IReadOnlyList<string> _knownKeys;
    private readonly DiagnosticCollector _diagnostics;
    private readonly Dictionary<string, TomlEntry> _entries = new(StringComparer.Ordinal);
    private readonly List<string> _missing = [];

    public SectionReader(TomlSection section, IReadOnlyList<string> knownKeys, DiagnosticCollector diagnostics)
    {
        _section = section;
        _knownKeys = knownKeys;
        _diagnostics = diagnostics;
        foreach (var entry in section.Entries)
        {
            if (!entry.IsDotted)
            {
                _entries[entry.Key] = entry;
            }
        }
    }

    public string SourceName => _section.HeaderLocation.File;

    public Located<string>? String(string key, bool required)
    {
        if (Find(key, required) is not { } entry)
        {
            return null;
        }

        if (entry.Value is StringValueSyntax { Value: { } text })
        {
            return new Located<string>(text, entry.ValueLocation);
        }

        WrongType(entry, "a string", "");
        return null;
    }

    public Located<long>? Integer(string key, bool required)
    {
        if (Find(key, required) is not { } entry)
        {
            return null;
        }

        if (entry.Value is IntegerValueSyntax integer)
        {
            return new Located<long>(integer.Value, entry.ValueLocation);
        }

        var hint = entry.Value is StringValueSyntax { Value: { } text }
            && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number)
            ? $" (remove the quotes: `{key} = {number}`)"
            : "";
        WrongType(entry, "an integer", hint);
        return null;
    }

    /// <summary>
    /// An array of strings, each with its location. A string listed twice is reported at its second place and
    /// kept once; an element that is not a string is reported and skipped.
    /// </summary>
    public Located<IReadOnlyList<Located<string>>>? StringList(string key, bool required)
    {
        if (Find(key, required) is not { } entry)
        {
            return null;
        }

        if (entry.Value is not ArraySyntax array)
        {
            var hint = entry.Value is StringValueSyntax { Value: { } text } ? $" (write `{key} = [\"{text}\"]`)" : "";
            WrongType(entry, "an array of strings", hint);
            return null;
        }

        var items = new List<Located<string>>();
        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var item in array.Items)
        {
            if (item.Value is null)
            {
                continue;
            }

            var location = Locations.Of(item.Value, SourceName);
            if (item.Value is not StringValueSyntax { Value: { } text })
            {
                _diagnostics.Error(location, $"`{key}` must list only strings, found {Describe(item.Value)}");
                continue;
            }

            if (firstLine.TryGetValue(text, out var line))
            {
                _diagnostics.Error(location, $"`{text}` is listed twice in `{key}` (first on line {line})");
                continue;
            }

            firstLine.Add(text, location.Line);
            items.Add(new Located<string>(text, location));
        }

        return new Located<IReadOnlyList<Located<string>>>(items, entry.ValueLocation);
    }

    /// <summary>Reports unknown keys and missing required keys; call once, after every key was read.</summary>
    public void Finish()
    {
        var suggestedForMissing = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in _section.Entries)
        {
            if (!entry.IsDotted && _knownKeys.Contains(entry.Key))
            {
                continue;
            }

            var closest = Suggestions.Closest(entry.Key, _knownKeys);
            if (closest is not null)
            {
                suggestedForMissing.Add(closest);
            }

            var suggestion = closest is null ? "" : $"; did you mean `{closest}`?";
            _diagnostics.Error(entry.KeyLocation, $"unknown key `{entry.Key}` in {_section.Header}{suggestion}");
        }

        foreach (var key in _missing)
        {
            if (!suggestedForMissing.Contains(key))
            {
                _diagnostics.Error(_section.HeaderLocation, $"{_section.Header} is missing required key `{key}`");
            }
        }
    }

    public static string Describe(ValueSyntax value) => value switch
    {
        StringValueSyntax => "a string",
        IntegerValueSyntax => "an integer",
        FloatValueSyntax => "a float",
        BooleanValueSyntax => "a boolean",
        DateTimeValueSyntax => "a date-time",
        ArraySyntax => "an array",
        InlineTableSyntax => "an inline table",
        _ => "a value",
    };

    private TomlEntry? Find(string key, bool required)
    {
        if (_entries.TryGetValue(key, out var entry))
        {
            return entry;
        }

        if (required)
        {
            _missing.Add(key);
        }

        return null;
    }

    private void WrongType(TomlEntry entry, string expected, string hint) =>
        _diagnostics.Error(entry.ValueLocation, $"`{entry.Key}` must be {expected}, found {Describe(entry.Value)}{hint}");
}
