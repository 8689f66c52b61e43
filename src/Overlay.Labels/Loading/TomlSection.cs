using Overlay.Labels.Model;
using Tomlyn.Syntax;

namespace Overlay.Labels.Loading;

/// <summary>How a table was written: <c>[name]</c> or <c>[[name]]</c> (one element of an array of tables).</summary>
internal enum SectionForm
{
    /// <summary>Keys written before any table header.</summary>
    Root,
    Table,
    ArrayOfTables,
}

/// <summary>One <c>key = value</c> line, with where the key and the value start.</summary>
internal sealed record TomlEntry(string Key, SourceLocation KeyLocation, ValueSyntax Value, SourceLocation ValueLocation)
{
    /// <summary>True for <c>a.b = 1</c>; the policy schema has no nested keys.</summary>
    public bool IsDotted { get; init; }
}

/// <summary>
/// One table of the file in the order written, with its keys. This is the located view of the TOML the schema
/// readers work on: they never see Tomlyn's syntax tree except for values.
/// </summary>
/// <param name="Name">The table name as TOML means it (quotes removed, dotted parts joined by '.').</param>
/// <param name="HeaderLocation">The opening bracket of the header; where "missing key" errors point.</param>
/// <param name="NameLocation">The first character of the table name.</param>
internal sealed record TomlSection(
    string Name,
    SectionForm Form,
    SourceLocation HeaderLocation,
    SourceLocation NameLocation,
    IReadOnlyList<TomlEntry> Entries)
{
    /// <summary>How the header was written, for messages: <c>[policy]</c> or <c>[[tvd]]</c>.</summary>
    public string Header => Form switch
    {
        SectionForm.Table => $"[{Name}]",
        SectionForm.ArrayOfTables => $"[[{Name}]]",
        _ => "the top level",
    };
}
