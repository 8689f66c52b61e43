using System.Text;
using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace Overlay.Daemon.Configuration;

/// <summary>
/// Reads one TOML table's key/values from the syntax tree with <c>file:line:column</c> errors: unknown
/// keys, wrong types and bad values each become a <see cref="ConfigError"/>; every problem is reported.
/// </summary>
internal sealed class TomlTableReader
{
    private readonly Dictionary<string, KeyValueSyntax> _items = new(StringComparer.Ordinal);
    private readonly string _file;
    private readonly List<ConfigError> _errors;

    public TomlTableReader(TableSyntaxBase table, string file, List<ConfigError> errors, string tableName, IReadOnlyList<string> knownKeys)
    {
        _file = file;
        _errors = errors;
        Location = At(file, table.Name!.Span);
        foreach (KeyValueSyntax item in table.Items)
        {
            string key = KeyName(item.Key!);
            if (!knownKeys.Contains(key))
            {
                errors.Add(new ConfigError(At(file, item.Key!.Span), $"unknown key '{key}' in {tableName} (known: {string.Join(", ", knownKeys)})"));
            }
            else if (!_items.TryAdd(key, item))
            {
                errors.Add(new ConfigError(At(file, item.Key!.Span), $"duplicate key '{key}' in {tableName}"));
            }
        }
    }

    /// <summary>Where the table's header is.</summary>
    public ConfigLocation Location { get; }

    public ConfigLocation LocationOf(string key) =>
        _items.TryGetValue(key, out KeyValueSyntax? item) ? At(_file, item.Value!.Span) : Location;

    /// <summary>A non-empty string, or null (with an error when <paramref name="required"/> or mistyped).</summary>
    public string? String(string key, bool required)
    {
        if (!_items.TryGetValue(key, out KeyValueSyntax? item))
        {
            if (required)
            {
                Error(Location, $"missing {key} = \"...\"");
            }

            return null;
        }

        if (item.Value is StringValueSyntax { Value: { Length: > 0 } value })
        {
            return value;
        }

        Error(At(_file, item.Value!.Span), $"'{key}' must be a non-empty string");
        return null;
    }

    /// <summary>An integer within [min, max], or <paramref name="fallback"/> when absent.</summary>
    public long? Integer(string key, long min, long max, long? fallback, bool required = false)
    {
        if (!_items.TryGetValue(key, out KeyValueSyntax? item))
        {
            if (required)
            {
                Error(Location, $"missing {key} = <integer>");
            }

            return fallback;
        }

        if (item.Value is IntegerValueSyntax integer && integer.Value >= min && integer.Value <= max)
        {
            return integer.Value;
        }

        Error(At(_file, item.Value!.Span), $"'{key}' must be an integer in {min}..{max}");
        return null;
    }

    /// <summary>An array of non-empty strings, or null (with an error when <paramref name="required"/> or mistyped).</summary>
    public IReadOnlyList<string>? Strings(string key, bool required)
    {
        if (!_items.TryGetValue(key, out KeyValueSyntax? item))
        {
            if (required)
            {
                Error(Location, $"missing {key} = [\"...\"]");
            }

            return null;
        }

        if (item.Value is ArraySyntax array)
        {
            var values = new List<string>();
            foreach (ArrayItemSyntax element in array.Items)
            {
                if (element.Value is StringValueSyntax { Value: { Length: > 0 } value })
                {
                    values.Add(value);
                }
                else
                {
                    Error(At(_file, element.Span), $"'{key}' must hold only non-empty strings");
                    return null;
                }
            }

            return values;
        }

        Error(At(_file, item.Value!.Span), $"'{key}' must be an array of strings");
        return null;
    }

    public bool? Boolean(string key, bool fallback)
    {
        if (!_items.TryGetValue(key, out KeyValueSyntax? item))
        {
            return fallback;
        }

        if (item.Value is BooleanValueSyntax boolean)
        {
            return boolean.Value;
        }

        Error(At(_file, item.Value!.Span), $"'{key}' must be true or false");
        return null;
    }

    public void Error(ConfigLocation at, string message) => _errors.Add(new ConfigError(at, message));

    /// <summary>The key as written, dotted parts joined: <c>a.b</c> for <c>a.b = 1</c>.</summary>
    public static string KeyName(KeySyntax key)
    {
        var name = new StringBuilder(KeyPart(key.Key));
        foreach (DottedKeyItemSyntax dotted in key.DotKeys)
        {
            name.Append('.').Append(KeyPart(dotted.Key));
        }

        return name.ToString();
    }

    /// <summary>Tomlyn positions are 0-based; ours are 1-based like every compiler's.</summary>
    public static ConfigLocation At(string file, SourceSpan span) => new(file, span.Start.Line + 1, span.Start.Column + 1);

    private static string KeyPart(BareKeyOrStringValueSyntax? part) => part switch
    {
        BareKeySyntax bare => bare.Key?.Text ?? "",
        StringValueSyntax quoted => quoted.Value ?? "",
        _ => "",
    };
}
