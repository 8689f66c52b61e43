using Overlay.Common.Toml;
using Tomlyn.Syntax;

namespace Overlay.Daemon.Configuration;

/// <summary>
/// How overlayd.toml words its problems (docs/daemon.md): keys in single quotes, an unknown key answered with the
/// table's known keys, a missing key as the line to write, reported at the table's name. Tomlyn's own checks
/// (a key or table defined twice) run, in Tomlyn's words.
/// </summary>
internal sealed class ConfigDialect : TomlDialect
{
    public static readonly ConfigDialect Instance = new();

    private ConfigDialect()
    {
    }

    public override bool ValidatesWithTomlyn => true;

    public override string SyntaxError(string tomlynMessage) => tomlynMessage;

    public override string? SyntaxWarning(string tomlynMessage) => null;

    public override string RepeatedKey(string key, string header, int firstLine) => $"duplicate key '{key}' in {header}";

    public override string? Suggest(string written, IReadOnlyList<string> knownKeys) => null;

    public override string UnknownKey(TomlEntry entry, TomlSection section, IReadOnlyList<string> knownKeys, string? suggestion) =>
        $"unknown key '{entry.Key}' in {section.Header} (known: {string.Join(", ", knownKeys)})";

    public override TomlLocation SectionLocation(TomlSection section) => section.NameLocation;

    public override string MissingKey(TomlSection section, string key, TomlExpectation expected) => expected.Kind switch
    {
        TomlValueKind.Integer => $"missing {key} = <integer>",
        TomlValueKind.Boolean => $"missing {key} = true or false",
        TomlValueKind.StringArray => $"missing {key} = [\"...\"]",
        _ => $"missing {key} = \"...\"",
    };

    public override string WrongValue(TomlEntry entry, TomlExpectation expected) => expected.Kind switch
    {
        TomlValueKind.String => $"'{entry.Key}' must be a string",
        TomlValueKind.NonEmptyString => $"'{entry.Key}' must be a non-empty string",
        TomlValueKind.Integer when expected.HasRange => $"'{entry.Key}' must be an integer in {expected.Min}..{expected.Max}",
        TomlValueKind.Integer => $"'{entry.Key}' must be an integer",
        TomlValueKind.Boolean => $"'{entry.Key}' must be true or false",
        _ => $"'{entry.Key}' must be an array of strings",
    };

    public override string WrongElement(string key, ValueSyntax? element, TomlExpectation expected) =>
        $"'{key}' must hold only non-empty strings";

    public override string RepeatedElement(string key, string text, int firstLine) =>
        $"'{text}' is listed twice in '{key}' (first on line {firstLine})";
}
