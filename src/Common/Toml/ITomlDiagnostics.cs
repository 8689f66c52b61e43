namespace Overlay.Common.Toml;

/// <summary>
/// Where the reader reports problems. Reading never stops at the first one: every problem of a file is reported,
/// so a user fixes them all in one round. The caller decides how to keep and show them.
/// </summary>
internal interface ITomlDiagnostics
{
    void Error(TomlLocation location, string message);

    void Warning(TomlLocation location, string message);
}
