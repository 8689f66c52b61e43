using System.Globalization;
using Overlay.Common.Toml;
using Tomlyn.Syntax;

namespace Overlay.Labels.Loading;

/// <summary>
/// How the policy file words its problems (docs/policy.md): keys and values in backticks, "did you mean" for a
/// misspelled key, a missing key reported at its table's header. Tomlyn's own checks are off: its messages for a
/// key or table defined twice are generic, and the schema readers say those in policy terms.
/// </summary>
internal sealed class PolicyDialect : TomlDialect
{
    public static readonly PolicyDialect Instance = new();

    private PolicyDialect()
    {
    }

    public override bool ValidatesWithTomlyn => false;

    public override string SyntaxError(string tomlynMessage) => $"invalid TOML: {tomlynMessage}";

    public override string? SyntaxWarning(string tomlynMessage) => $"TOML: {tomlynMessage}";

    public override string RepeatedKey(string key, string header, int firstLine) => $"key `{key}` is already set on line {firstLine}";

    public override string? Suggest(string written, IReadOnlyList<string> knownKeys) => Suggestions.Closest(written, knownKeys);

    public override string UnknownKey(TomlEntry entry, TomlSection section, IReadOnlyList<string> knownKeys, string? suggestion) =>
        $"unknown key `{entry.Key}` in {section.Header}{(suggestion is null ? "" : $"; did you mean `{suggestion}`?")}";

    public override TomlLocation SectionLocation(TomlSection section) => section.HeaderLocation;

    public override string MissingKey(TomlSection section, string key, TomlExpectation expected) =>
        $"{section.Header} is missing required key `{key}`";

    public override string WrongValue(TomlEntry entry, TomlExpectation expected) => expected.Kind switch
    {
        TomlValueKind.Integer when expected.HasRange && entry.Value is IntegerValueSyntax integer =>
            $"`{entry.Key}` must be from {expected.Min} to {expected.Max}, found {integer.Value}",
        _ => $"`{entry.Key}` must be {Expected(expected)}, found {Describe(entry.Value)}{Hint(entry, expected)}",
    };

    public override string WrongElement(string key, ValueSyntax? element, TomlExpectation expected) =>
        $"`{key}` must list only strings, found {Describe(element)}";

    public override string RepeatedElement(string key, string text, int firstLine) =>
        $"`{text}` is listed twice in `{key}` (first on line {firstLine})";

    private static string Expected(TomlExpectation expected) => expected.Kind switch
    {
        TomlValueKind.String => "a string",
        TomlValueKind.NonEmptyString => "a non-empty string",
        TomlValueKind.Integer => "an integer",
        TomlValueKind.Boolean => "a boolean",
        TomlValueKind.InlineTable => "an inline table",
        _ => "an array of strings",
    };

    /// <summary>The likely fix when the value is the right thing written the wrong way.</summary>
    private static string Hint(TomlEntry entry, TomlExpectation expected) => (expected.Kind, entry.Value) switch
    {
        (TomlValueKind.Integer, StringValueSyntax { Value: { } text })
            when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) =>
            $" (remove the quotes: `{entry.Key} = {number}`)",
        (TomlValueKind.StringArray, StringValueSyntax { Value: { } text }) => $" (write `{entry.Key} = [\"{text}\"]`)",
        _ => "",
    };
}
