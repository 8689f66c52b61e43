using Tomlyn.Syntax;

namespace Overlay.Common.Toml;

/// <summary>How a table was written: <c>[name]</c> or <c>[[name]]</c> (one element of an array of tables).</summary>
internal enum SectionForm
{
    /// <summary>Keys written before any table header.</summary>
    Root,
    Table,
    ArrayOfTables,
}

/// <summary>One <c>key = value</c> line, with where the key and the value start.</summary>
internal sealed record TomlEntry(string Key, TomlLocation KeyLocation, ValueSyntax Value, TomlLocation ValueLocation)
{
    /// <summary>True for <c>a.b = 1</c>; none of our schemas has nested keys.</summary>
    public bool IsDotted { get; init; }
}

/// <summary>
/// One table of the file in the order written, with its keys. This is the located view of the TOML the schema
/// readers work on: they never see Tomlyn's syntax tree except for values.
/// </summary>
/// <param name="Name">The table name as TOML means it (quotes removed, dotted parts joined by '.').</param>
/// <param name="HeaderLocation">The opening bracket of the header.</param>
/// <param name="NameLocation">The first character of the table name.</param>
internal sealed record TomlSection(
    string Name,
    SectionForm Form,
    TomlLocation HeaderLocation,
    TomlLocation NameLocation,
    IReadOnlyList<TomlEntry> Entries)
{
    /// <summary>How the header was written, for messages: <c>[policy]</c> or <c>[[tvd]]</c>.</summary>
    public string Header => HeaderOf(Name, Form);

    public static string HeaderOf(string name, SectionForm form) => form switch
    {
        SectionForm.Table => $"[{name}]",
        SectionForm.ArrayOfTables => $"[[{name}]]",
        _ => "the top level",
    };
}
