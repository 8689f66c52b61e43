using Overlay.Common.Toml;

namespace Overlay.Daemon.Configuration;

/// <summary>The TOML reader's problems as <see cref="ConfigError"/>s, in the order found (the config has no warnings).</summary>
internal sealed class ConfigDiagnostics(List<ConfigError> errors) : ITomlDiagnostics
{
    public void Error(TomlLocation location, string message) => errors.Add(new ConfigError(location.ToConfigLocation(), message));

    public void Warning(TomlLocation location, string message)
    {
    }
}

/// <summary>The config's public <see cref="ConfigLocation"/> of a position the TOML reader found.</summary>
internal static class ConfigLocations
{
    public static ConfigLocation ToConfigLocation(this TomlLocation location) => new(location.File, location.Line, location.Column);
}
