namespace Overlay.Common.Toml;

/// <summary>A value read from a TOML file together with where it was written.</summary>
internal readonly record struct Located<T>(T Value, TomlLocation Location);
