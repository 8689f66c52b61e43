namespace Overlay.Attest.Tpm;

/// <summary>
/// Which TPM a configuration means, decided without touching it: the configured TCTI when one is named;
/// otherwise the host's TPM (<see cref="TpmSelection.HardwareDevice"/>) when it exists; otherwise an embedded
/// swtpm with its state in <see cref="SwtpmState"/>. <see cref="TpmSelection.EmbeddedTcti"/> asks for the
/// embedded swtpm even on a host with a TPM. <see cref="TpmSelection.Start"/> then makes the choice ready.
/// </summary>
public sealed record TpmChoice(TpmKind Kind, string? ConfiguredTcti, string SwtpmState, string HardwareDevice)
{
    public static TpmChoice For(string? configuredTcti, string swtpmState, string hardwareDevice = TpmSelection.HardwareDevice)
    {
        TpmKind kind = NamesTpm(configuredTcti) ? TpmKind.ConfiguredTcti
            : configuredTcti is null && File.Exists(hardwareDevice) ? TpmKind.Device
            : TpmKind.EmbeddedSwtpm;
        return new TpmChoice(kind, configuredTcti, swtpmState, hardwareDevice);
    }

    /// <summary>True when <paramref name="tcti"/> names a TPM: failing to reach it is then an error, never a fallback.</summary>
    public static bool NamesTpm(string? tcti) => tcti is not null && tcti != TpmSelection.EmbeddedTcti;

    /// <summary>The TPM in words, for errors: "the configured TPM '…'", "the TPM /dev/tpmrm0", "an embedded swtpm in …".</summary>
    public override string ToString() => Kind switch
    {
        TpmKind.ConfiguredTcti => $"the configured TPM '{ConfiguredTcti}'",
        TpmKind.Device => $"the TPM {HardwareDevice}",
        _ => $"an embedded swtpm in {SwtpmState}",
    };
}
