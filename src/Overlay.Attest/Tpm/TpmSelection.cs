using Microsoft.Extensions.Logging;

namespace Overlay.Attest.Tpm;

/// <summary>
/// Chooses the TPM: a configured TCTI if given; otherwise /dev/tpmrm0 when the host has one; otherwise an
/// embedded swtpm under the daemon's state directory, with a loud warning.
/// </summary>
public sealed partial class TpmSelection : IDisposable
{
    public const string HardwareDevice = "/dev/tpmrm0";

    private TpmSelection(string tcti, EmbeddedSwtpm? embedded)
    {
        Tcti = tcti;
        Embedded = embedded;
    }

    public string Tcti { get; }

    /// <summary>The swtpm this selection started, if any.</summary>
    public EmbeddedSwtpm? Embedded { get; }

    public bool IsSoftware => Embedded is not null || Tcti.StartsWith("swtpm", StringComparison.Ordinal);

    public static TpmSelection Resolve(string? configuredTcti, string stateDirectory, ILogger logger, string hardwareDevice = HardwareDevice)
    {
        if (!string.IsNullOrWhiteSpace(configuredTcti) && configuredTcti != "embedded")
        {
            var selection = new TpmSelection(configuredTcti, null);
            if (selection.IsSoftware)
            {
                WarnSoftware(logger, configuredTcti);
            }

            return selection;
        }

        if (File.Exists(hardwareDevice))
        {
            return new TpmSelection($"device:{hardwareDevice}", null);
        }

        var swtpm = EmbeddedSwtpm.Start(Path.Combine(stateDirectory, "swtpm"));
        WarnSoftware(logger, swtpm.Tcti);
        return new TpmSelection(swtpm.Tcti, swtpm);
    }

    private static void WarnSoftware(ILogger logger, string tcti) => LogSoftwareTpm(logger, tcti);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning,
        Message = "Using a software TPM ({Tcti}): it is NO hardware root of trust; quotes from it prove nothing against the host's administrator")]
    private static partial void LogSoftwareTpm(ILogger logger, string tcti);

    public void Dispose() => Embedded?.Dispose();
}
