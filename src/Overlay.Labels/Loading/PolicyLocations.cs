using Overlay.Common.Toml;
using Overlay.Labels.Model;

namespace Overlay.Labels.Loading;

/// <summary>The policy model's public <see cref="SourceLocation"/> of a position the TOML reader found.</summary>
internal static class PolicyLocations
{
    public static SourceLocation ToSourceLocation(this TomlLocation location) =>
        new(location.File, location.Line, location.Column);
}
