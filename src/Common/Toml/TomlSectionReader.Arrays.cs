using Tomlyn.Syntax;

namespace Overlay.Common.Toml;

internal sealed partial class TomlSectionReader
{
    /// <summary>
    /// An array of strings, each with its location, read as a set of names: an element that is not a string is
    /// reported and skipped, and a string listed twice is reported at its second place and kept once, so one
    /// mistake in a list does not hide the rest of it.
    /// </summary>
    public Located<IReadOnlyList<Located<string>>>? StringList(string key, bool required)
    {
        if (FindArray(key, required) is not (var entry, var array))
        {
            return null;
        }

        var items = new List<Located<string>>();
        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var item in array.Items)
        {
            if (item.Value is null)
            {
                continue; // only happens with syntax errors, which were reported
            }

            var location = TomlLocation.Of(item.Value, SourceName);
            if (item.Value is not StringValueSyntax { Value: { } text })
            {
                Error(location, _dialect.WrongElement(key, item.Value, TomlExpectation.String));
                continue;
            }

            if (firstLine.TryGetValue(text, out var line))
            {
                Error(location, _dialect.RepeatedElement(key, text, line));
                continue;
            }

            firstLine.Add(text, location.Line);
            items.Add(new Located<string>(text, location));
        }

        return new Located<IReadOnlyList<Located<string>>>(items, entry.ValueLocation);
    }

    /// <summary>
    /// An array of non-empty strings, read whole: the first element that is not one is reported and the array is
    /// then null, as if the key were missing.
    /// </summary>
    public Located<IReadOnlyList<string>>? NonEmptyStrings(string key, bool required)
    {
        if (FindArray(key, required) is not (var entry, var array))
        {
            return null;
        }

        var values = new List<string>();
        foreach (var element in array.Items)
        {
            if (element.Value is not StringValueSyntax { Value: { Length: > 0 } value })
            {
                Error(TomlLocation.Of(element, SourceName), _dialect.WrongElement(key, element.Value, TomlExpectation.NonEmptyString));
                return null;
            }

            values.Add(value);
        }

        return new Located<IReadOnlyList<string>>(values, entry.ValueLocation);
    }

    private (TomlEntry Entry, ArraySyntax Array)? FindArray(string key, bool required)
    {
        if (Find(key, required, TomlExpectation.StringArray) is not { } entry)
        {
            return null;
        }

        if (entry.Value is ArraySyntax array)
        {
            return (entry, array);
        }

        WrongValue(entry, TomlExpectation.StringArray);
        return null;
    }
}
