namespace Overlay.Daemon.AttestHost;

/// <summary>How the daemon reached its TPM; status and logs name it, because it decides what a quote proves.</summary>
public enum TpmKind
{
    /// <summary>The host's TPM through the kernel resource manager (/dev/tpmrm0), chosen because it exists.</summary>
    Device,

    /// <summary>A swtpm the daemon started itself: no hardware root of trust.</summary>
    EmbeddedSwtpm,

    /// <summary>The TCTI named by <c>[attest] tcti</c>.</summary>
    ConfiguredTcti,
}

internal static class TpmKindNames
{
    /// <summary>The snake_case name used in status and logs.</summary>
    public static string Name(this TpmKind kind) => kind switch
    {
        TpmKind.Device => "device",
        TpmKind.EmbeddedSwtpm => "embedded_swtpm",
        _ => "configured_tcti",
    };
}

/// <summary>The TPM could not be selected, opened or used at start: the daemon exits 1 with this message.</summary>
public sealed class AttestStartException(string message, Exception inner) : Exception(message, inner);
