namespace Overlay.Attest.Tpm;

/// <summary>
/// The TPM in use: the <see cref="TpmChoice"/> made ready, its TCTI, and the swtpm started for it if any (killed on
/// dispose). Starting an embedded swtpm first takes its state over from a swtpm whose owner is gone
/// (<see cref="SwtpmLeftovers"/>), and refuses with <see cref="SwtpmInUseException"/> while a live owner's swtpm
/// answers on it. A software TPM is no hardware root of trust; <see cref="IsSoftware"/> says so for the caller to
/// warn about.
/// </summary>
public sealed class TpmSelection : IDisposable
{
    public const string HardwareDevice = "/dev/tpmrm0";

    /// <summary>The configured TCTI that asks for the embedded swtpm even when the host has a TPM.</summary>
    public const string EmbeddedTcti = "embedded";

    private TpmSelection(TpmKind kind, string tcti, EmbeddedSwtpm? embedded)
    {
        Kind = kind;
        Tcti = tcti;
        Embedded = embedded;
    }

    public TpmKind Kind { get; }

    public string Tcti { get; }

    /// <summary>The swtpm this selection started, if any.</summary>
    public EmbeddedSwtpm? Embedded { get; }

    /// <summary>True for any software TPM (embedded, or a configured swtpm TCTI): no hardware root of trust.</summary>
    public bool IsSoftware => Embedded is not null || Tcti.StartsWith("swtpm", StringComparison.Ordinal);

    /// <summary>Chooses (<see cref="TpmChoice.For"/>) and starts in one step.</summary>
    public static TpmSelection Resolve(string? configuredTcti, string swtpmState, string hardwareDevice = HardwareDevice) =>
        Start(TpmChoice.For(configuredTcti, swtpmState, hardwareDevice));

    /// <summary>
    /// Makes <paramref name="choice"/> ready: its TCTI, and for an embedded swtpm the process, after taking its state
    /// over. <paramref name="killingLeftover"/> hears of each leftover swtpm (its pid) before it is killed.
    /// </summary>
    /// <exception cref="SwtpmInUseException">A live owner's swtpm answers on the embedded swtpm's state.</exception>
    public static TpmSelection Start(TpmChoice choice, Action<int>? killingLeftover = null)
    {
        switch (choice.Kind)
        {
            case TpmKind.ConfiguredTcti:
                return new TpmSelection(choice.Kind, choice.ConfiguredTcti!, null);
            case TpmKind.Device:
                return new TpmSelection(choice.Kind, $"device:{choice.HardwareDevice}", null);
            default:
                SwtpmLeftovers.TakeOver(choice.SwtpmState, killingLeftover);
                var swtpm = EmbeddedSwtpm.Start(choice.SwtpmState);
                return new TpmSelection(choice.Kind, swtpm.Tcti, swtpm);
        }
    }

    public void Dispose() => Embedded?.Dispose();
}
