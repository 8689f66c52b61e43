using Tomlyn.Syntax;

namespace Overlay.Common.Toml;

internal sealed partial class TomlSectionReader
{
    /// <summary>
    /// An inline table (<c>key = { a = "x", b = "y" }</c>) as its entries in the order written, each key and value
    /// with its location, for a schema that maps names it checks itself (a host name to a fingerprint). A key set
    /// twice is reported at its second place and kept once. The values are not read: <see cref="StringOf"/> reads one.
    /// </summary>
    public Located<IReadOnlyList<TomlEntry>>? InlineTable(string key, bool required)
    {
        if (Find(key, required, TomlExpectation.InlineTable) is not { } entry)
        {
            return null;
        }

        if (entry.Value is not InlineTableSyntax table)
        {
            WrongValue(entry, TomlExpectation.InlineTable);
            return null;
        }

        var items = new List<TomlEntry>();
        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var item in table.Items)
        {
            if (item.KeyValue is not { Key: { } itemKey, Value: { } value })
            {
                continue; // only happens with syntax errors, which were reported
            }

            var (text, dotted) = TomlDocument.KeyText(itemKey);
            var keyLocation = TomlLocation.Of(itemKey, SourceName);
            if (!firstLine.TryAdd(text, keyLocation.Line))
            {
                Error(keyLocation, _dialect.RepeatedKey(text, $"`{key}`", firstLine[text]));
                continue;
            }

            items.Add(new TomlEntry(text, keyLocation, value, TomlLocation.Of(value, SourceName)) { IsDotted = dotted });
        }

        return new Located<IReadOnlyList<TomlEntry>>(items, entry.ValueLocation);
    }

    /// <summary>The string value of an entry of an <see cref="InlineTable"/>; anything else is reported at the value and gives null.</summary>
    public Located<string>? StringOf(TomlEntry entry)
    {
        if (entry.Value is StringValueSyntax { Value: { } text })
        {
            return new Located<string>(text, entry.ValueLocation);
        }

        WrongValue(entry, TomlExpectation.String);
        return null;
    }
}
