using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace Overlay.Common.Toml;

/// <summary>
/// A TOML file parsed with Tomlyn's lossless syntax parser and flattened into <see cref="TomlSection"/>s, keeping
/// the position of every key and value, so every problem found later can point at <c>file:line:column</c>.
/// </summary>
internal sealed class TomlDocument
{
    private TomlDocument(IReadOnlyList<TomlSection> sections) => Sections = sections;

    /// <summary>The keys written before any table header first, then every table in the order written.</summary>
    public IReadOnlyList<TomlSection> Sections { get; }

    /// <summary>The keys written before any table header.</summary>
    public TomlSection Root => Sections[0];

    /// <summary>Every table in the order written.</summary>
    public IEnumerable<TomlSection> Tables => Sections.Skip(1);

    /// <summary>
    /// The document in <paramref name="text"/>; null when it is not valid TOML (the syntax errors are then reported),
    /// because after a syntax error Tomlyn's tree may have swallowed the rest of the file and schema errors found in
    /// it would mislead.
    /// </summary>
    public static TomlDocument? Read(string text, string file, TomlDialect dialect, ITomlDiagnostics diagnostics)
    {
        DocumentSyntax document;
        try
        {
            document = SyntaxParser.Parse(text, file, dialect.ValidatesWithTomlyn);
        }
        catch (ArgumentOutOfRangeException e)
        {
            // Tomlyn 2.10 throws while describing a backslash at the end of the text inside a string (it formats the
            // end-of-file marker as a character): found by fuzzing (docs/fuzzing.md). It is a syntax error like any other.
            diagnostics.Error(EndOf(text, file), dialect.SyntaxError(text.EndsWith('\\')
                ? "the text ends inside a string's escape sequence"
                : $"a string escape that cannot be read ({e.Message})"));
            return null;
        }
        catch (Tomlyn.TomlException e)
        {
            // Tomlyn refuses arrays and inline tables nested deeper than 64 by throwing, not by a diagnostic: found by
            // fuzzing (docs/fuzzing.md). No configuration or policy nests that deep; it is a syntax error like any other.
            var first = e.Diagnostics?.FirstOrDefault(m => m.Kind == DiagnosticMessageKind.Error && m.Span.Start.Line >= 0);
            var at = first is not null ? TomlLocation.Of(first.Span, file) : FirstDeepNesting(text, file);
            diagnostics.Error(at, dialect.SyntaxError(e.Message.Contains("depth", StringComparison.OrdinalIgnoreCase)
                ? "arrays or inline tables nested deeper than 64"
                : e.Message));
            return null;
        }

        if (ReportSyntaxDiagnostics(document, file, dialect, diagnostics))
        {
            return null;
        }

        var root = TomlLocation.StartOf(file);
        var sections = new List<TomlSection>
        {
            new("", SectionForm.Root, root, root, ReadEntries(document.KeyValues, "the top level", file, dialect, diagnostics)),
        };

        foreach (var table in document.Tables)
        {
            if (table.Name is null)
            {
                continue; // only happens with syntax errors, which were reported
            }

            var (name, _) = KeyText(table.Name);
            var form = table is TableArraySyntax ? SectionForm.ArrayOfTables : SectionForm.Table;
            sections.Add(new TomlSection(
                name,
                form,
                TomlLocation.Of(table.OpenBracket is { } bracket ? bracket : table, file),
                TomlLocation.Of(table.Name, file),
                ReadEntries(table.Items, TomlSection.HeaderOf(name, form), file, dialect, diagnostics)));
        }

        return new TomlDocument(sections);
    }

    /// <summary>Where the 65th unclosed <c>[</c> or <c>{</c> stands (strings and comments not told apart): near enough to find.</summary>
    private static TomlLocation FirstDeepNesting(string text, string file)
    {
        int depth = 0, line = 1, column = 1;
        foreach (char c in text)
        {
            depth += c is '[' or '{' ? 1 : c is ']' or '}' && depth > 0 ? -1 : 0;
            if (depth > 64)
            {
                return new TomlLocation(file, line, column);
            }

            (line, column) = c == '\n' ? (line + 1, 1) : (line, column + 1);
        }

        return EndOf(text, file);
    }

    /// <summary>The position just past the text's last character.</summary>
    private static TomlLocation EndOf(string text, string file)
    {
        var lastLine = text.LastIndexOf('\n');
        return new TomlLocation(file, text.AsSpan().Count('\n') + 1, text.Length - lastLine);
    }

    private static bool ReportSyntaxDiagnostics(DocumentSyntax document, string file, TomlDialect dialect, ITomlDiagnostics diagnostics)
    {
        var hasErrors = false;
        foreach (var message in document.Diagnostics)
        {
            var location = TomlLocation.Of(message.Span, file);
            if (message.Kind == DiagnosticMessageKind.Error)
            {
                diagnostics.Error(location, dialect.SyntaxError(message.Message));
                hasErrors = true;
            }
            else if (dialect.SyntaxWarning(message.Message) is { } warning)
            {
                diagnostics.Warning(location, warning);
            }
        }

        return hasErrors;
    }

    private static List<TomlEntry> ReadEntries(
        SyntaxList<KeyValueSyntax> items, string header, string file, TomlDialect dialect, ITomlDiagnostics diagnostics)
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
            var keyLocation = TomlLocation.Of(item.Key, file);
            if (firstLineOfKey.TryGetValue(key, out var firstLine))
            {
                diagnostics.Error(keyLocation, dialect.RepeatedKey(key, header, firstLine));
                continue;
            }

            firstLineOfKey.Add(key, keyLocation.Line);
            entries.Add(new TomlEntry(key, keyLocation, item.Value, TomlLocation.Of(item.Value, file)) { IsDotted = dotted });
        }

        return entries;
    }

    /// <summary>The key as TOML means it: <c>"name"</c> and <c>name</c> are the same key; dotted parts are joined by '.'.</summary>
    internal static (string Text, bool Dotted) KeyText(KeySyntax key)
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
