using Tomlyn.Syntax;

namespace Overlay.Common.Toml;

/// <summary>
/// How one kind of file (the policy, the daemon's config) words the problems the reader finds, and where it
/// reports them. The reader decides what is wrong; a dialect only says it the way that file's users have always
/// read it, so one reader serves files whose messages differ (backticks and "did you mean" in the policy, quotes
/// and the list of known keys in the config).
/// </summary>
internal abstract class TomlDialect
{
    /// <summary>
    /// True to let Tomlyn check keys and tables defined twice, in its own words; false to have
    /// <see cref="TomlDocument"/> report repeated keys through <see cref="RepeatedKey"/>.
    /// </summary>
    public abstract bool ValidatesWithTomlyn { get; }

    /// <summary>Tomlyn's syntax error, as shown to the user.</summary>
    public abstract string SyntaxError(string tomlynMessage);

    /// <summary>Tomlyn's warning as shown to the user, or null to leave it out.</summary>
    public abstract string? SyntaxWarning(string tomlynMessage);

    /// <summary>A key set twice in one table (reported at the second).</summary>
    public abstract string RepeatedKey(string key, string header, int firstLine);

    /// <summary>The known key to suggest for a misspelled one, or null when this kind of file suggests none.</summary>
    public abstract string? Suggest(string written, IReadOnlyList<string> knownKeys);

    public abstract string UnknownKey(TomlEntry entry, TomlSection section, IReadOnlyList<string> knownKeys, string? suggestion);

    /// <summary>Where problems of a table as a whole are reported: a missing key, a check across its keys.</summary>
    public abstract TomlLocation SectionLocation(TomlSection section);

    public abstract string MissingKey(TomlSection section, string key, TomlExpectation expected);

    /// <summary>A value of the wrong type, or out of the expected range (reported at the value).</summary>
    public abstract string WrongValue(TomlEntry entry, TomlExpectation expected);

    /// <summary>An array element that is not what the array must hold (reported at the element).</summary>
    public abstract string WrongElement(string key, ValueSyntax? element, TomlExpectation expected);

    /// <summary>A string listed twice in one array (reported at the second).</summary>
    public abstract string RepeatedElement(string key, string text, int firstLine);

    /// <summary>A value's TOML type with its article, for "found …".</summary>
    protected static string Describe(ValueSyntax? value) => value switch
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
}
