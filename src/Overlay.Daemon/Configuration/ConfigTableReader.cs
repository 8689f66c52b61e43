using Overlay.Common.Toml;

namespace Overlay.Daemon.Configuration;

/// <summary>
/// The config readers' view of one table through the shared <see cref="TomlSectionReader"/> (worded by
/// <see cref="ConfigDialect"/>): values without their positions, a default for an absent key, positions as
/// <see cref="ConfigLocation"/>. Unknown keys are reported when it is made; every other problem when a key is read.
/// </summary>
internal sealed class ConfigTableReader
{
    private readonly TomlSectionReader _reader;
    private readonly List<ConfigError> _errors;

    public ConfigTableReader(TomlSection table, List<ConfigError> errors, IReadOnlyList<string> knownKeys)
    {
        _errors = errors;
        _reader = new TomlSectionReader(table, knownKeys, ConfigDialect.Instance, new ConfigDiagnostics(errors));
    }

    /// <summary>Where the table's name is.</summary>
    public ConfigLocation Location => _reader.Location.ToConfigLocation();

    /// <summary>Where the value of <paramref name="key"/> is, or <see cref="Location"/> when it is not written.</summary>
    public ConfigLocation LocationOf(string key) => _reader.LocationOf(key).ToConfigLocation();

    public bool Has(string key) => _reader.Has(key);

    /// <summary>A non-empty string, or null (with an error when <paramref name="required"/> or mistyped).</summary>
    public string? String(string key, bool required) => _reader.NonEmptyString(key, required)?.Value;

    /// <summary>An integer within [min, max], <paramref name="fallback"/> when absent, null when written wrong.</summary>
    public long? Integer(string key, long min, long max, long? fallback, bool required = false) =>
        _reader.Integer(key, min, max, required)?.Value ?? (_reader.Has(key) ? null : fallback);

    /// <summary>An array of non-empty strings, or null (with an error when <paramref name="required"/> or mistyped).</summary>
    public IReadOnlyList<string>? Strings(string key, bool required) => _reader.NonEmptyStrings(key, required)?.Value;

    /// <summary>An array of strings, each with its location (set semantics: a repeated element is reported); null when absent or mistyped.</summary>
    public Located<IReadOnlyList<Located<string>>>? StringList(string key, bool required) => _reader.StringList(key, required);

    /// <summary>true or false, <paramref name="fallback"/> when absent, null when written wrong.</summary>
    public bool? Boolean(string key, bool fallback) =>
        _reader.Boolean(key, required: false)?.Value ?? (_reader.Has(key) ? null : fallback);

    public void Error(ConfigLocation at, string message) => _errors.Add(new ConfigError(at, message));

    /// <summary>Errors so far (of every table): a reader compares it before and after a key to know whether the key was wrong.</summary>
    public int ErrorCount => _errors.Count;
}
