namespace Overlay.Attest.Tpm;

/// <summary>How a TPM is reached; status and logs name it, because it decides what a quote proves.</summary>
public enum TpmKind
{
    /// <summary>The host's TPM through the kernel resource manager (/dev/tpmrm0), chosen because it exists.</summary>
    Device,

    /// <summary>A swtpm this process started itself: no hardware root of trust.</summary>
    EmbeddedSwtpm,

    /// <summary>The TCTI the configuration names.</summary>
    ConfiguredTcti,
}

public static class TpmKindNames
{
    /// <summary>The stable snake_case name shown in status and logs.</summary>
    public static string Name(this TpmKind kind) => kind switch
    {
        TpmKind.Device => "device",
        TpmKind.EmbeddedSwtpm => "embedded_swtpm",
        _ => "configured_tcti",
    };
}
