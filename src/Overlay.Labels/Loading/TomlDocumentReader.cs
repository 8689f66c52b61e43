using Overlay.Labels.Model;
using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace Overlay.Labels.Loading;

/// <summary>
/// Parses TOML text with Tomlyn's lossless syntax parser and flattens it into <see cref="TomlSection"/>s,
/// keeping the position of every key and value. Tomlyn's own semantic validation is not used: its
/// duplicate-key and table-redefinition messages are generic, and the schema readers report those cases in
/// policy terms.
/// </summary>
internal static class TomlDocumentReader
{
    /// <summary>
    /// The sections of <paramref name="tomlText"/>, the root keys first; null when the text is not valid TOML
    /// (the syntax errors are then in <paramref name="diagnostics"/>), because after a syntax error Tomlyn's tree
    /// may have swallowed the rest of the file and schema errors found in it would mislead.
    /// </summary>
    public static IReadOnlyList<TomlSection>? Read(string tomlText, string sourceName, DiagnosticCollector diagnostics)
    {
        var document = SyntaxParser.Parse(tomlText, sourceName, validate: false);
        if (ReportSyntaxDiagnostics(document, sourceName, diagnostics))
        {
            return null;
        }

        var sections = new List<TomlSection>
        {
            new("", SectionForm.Root, Locations.StartOf(sourceName), Locations.StartOf(sourceName),
                ReadEntries(document.KeyValues, sourceName, diagnostics)),
        };

        foreach (var table in document.Tables)
        {
            if (table.Name is null)
            {
                continue;
            }

            var (name, _) = KeyText(table.Name);
            sections.Add(new TomlSection(
                name,
                table is TableArraySyntax ? SectionForm.ArrayOfTables : SectionForm.Table,
                Locations.Of(table.OpenBracket is { } bracket ? bracket : table, sourceName),
                Locations.Of(table.Name, sourceName),
                ReadEntries(table.Items, sourceName, diagnostics)));
        }

        return sections;
    }

    /// <returns>True when the document has syntax errors.</returns>
    private static bool ReportSyntaxDiagnostics(DocumentSyntax document, string sourceName, DiagnosticCollector diagnostics)
    {
        var hasErrors = false;
        foreach (var message in document.Diagnostics)
        {
            var location = Locations.Of(message.Span, sourceName);
            if (message.Kind == DiagnosticMessageKind.Error)
            {
                diagnostics.Error(location, $"invalid TOML: {message.Message}");
                hasErrors = true;
            }
            else
            {
                diagnostics.Warning(location, $"TOML: {message.Message}");
            }
        }

        return hasErrors;
    }

    private static List<TomlEntry> ReadEntries(SyntaxList<KeyValueSyntax> items, string sourceName, DiagnosticCollector diagnostics)
    {
        var entries = new List<TomlEntry>();
        var firstLineOfKey = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            if (item.Key is null || item.Value is null)
            {
                continue; // only happens with syntax errors, which were reported
            }

            var (key, dotted) = KeyText(item.Key);
            var keyLocation = Locations.Of(item.Key, sourceName);
            if (firstLineOfKey.TryGetValue(key, out var firstLine))
            {
                diagnostics.Error(keyLocation, $"key `{key}` is already set on line {firstLine}");
                continue;
            }

            firstLineOfKey.Add(key, keyLocation.Line);
            entries.Add(new TomlEntry(key, keyLocation, item.Value, Locations.Of(item.Value, sourceName)) { IsDotted = dotted });
        }

        return entries;
    }

    /// <summary>The key as TOML means it: <c>"name"</c> and <c>name</c> are the same key.</summary>
    private static (string Text, bool Dotted) KeyText(KeySyntax key)
    {
        var text = PartText(key.Key);
        if (key.DotKeys is null || key.DotKeys.ChildrenCount == 0)
        {
            return (text, false);
        }

        var parts = new List<string> { text };
        foreach (var dotted in key.DotKeys)
        {
            parts.Add(PartText(dotted.Key));
        }

        return (string.Join('.', parts), true);
    }

    private static string PartText(BareKeyOrStringValueSyntax? part) => part switch
    {
        BareKeySyntax bare => bare.Key?.Text ?? "",
        StringValueSyntax quoted => quoted.Value ?? "",
        _ => "",
    };
}
