using Overlay.Attest.Tpm;

namespace Overlay.Daemon.Configuration;

/// <summary>
/// The <c>[attest]</c> part of overlayd.toml, every default applied and every path absolute (see
/// docs/daemon.md and docs/attestation.md for each key). Attestation always runs; the table only tunes it.
/// </summary>
/// <param name="Tcti">The configured TCTI; null picks /dev/tpmrm0 when present, else an embedded swtpm.
/// <see cref="EmbeddedTcti"/> forces the embedded swtpm.</param>
/// <param name="SwtpmState">Directory of the embedded swtpm: its state and its two sockets.</param>
/// <param name="Pcr">The PCR the daemon's measurements extend.</param>
/// <param name="MeasurementLog">The ima-ng list in binary_runtime_measurements layout.</param>
/// <param name="AsciiMeasurementLog">The same list as ASCII lines, beside the binary one.</param>
/// <param name="Key">The attestation key's algorithm.</param>
public sealed record AttestConfig(
    string? Tcti,
    string SwtpmState,
    int Pcr,
    string MeasurementLog,
    string AsciiMeasurementLog,
    AkAlgorithm Key)
{
    /// <summary>The <c>tcti</c> value that asks for the embedded swtpm even when the host has a TPM.</summary>
    public const string EmbeddedTcti = TpmSelection.EmbeddedTcti;

    public const string DefaultSwtpmDirectory = "swtpm";
    public const string DefaultLogDirectory = "measurements";
    public const string BinaryLogName = "binary_runtime_measurements";
    public const string AsciiLogName = "ascii_runtime_measurements";

    /// <summary>True when the config names a TPM: then failing to reach it is an error, never a fallback.</summary>
    public bool IsConfigured => TpmChoice.NamesTpm(Tcti);

    /// <summary>Every default, for a config without <c>[attest]</c>.</summary>
    public static AttestConfig Defaults(string stateDirectory)
    {
        string log = Path.Combine(stateDirectory, DefaultLogDirectory, BinaryLogName);
        return new AttestConfig(null, Path.Combine(stateDirectory, DefaultSwtpmDirectory), Overlay.Attest.Ima.Measurer.DefaultPcr, log, AsciiPathFor(log), AkAlgorithm.EccP256);
    }

    /// <summary>
    /// The ASCII list beside a binary one: <c>…/binary_runtime_measurements</c> → <c>…/ascii_runtime_measurements</c>
    /// (the kernel's pair of names); any other name gets <c>.ascii</c> appended.
    /// </summary>
    public static string AsciiPathFor(string binaryLog)
    {
        string name = Path.GetFileName(binaryLog);
        string directory = Path.GetDirectoryName(binaryLog) ?? "/";
        return name.Contains(BinaryLogName, StringComparison.Ordinal)
            ? Path.Combine(directory, name.Replace(BinaryLogName, AsciiLogName, StringComparison.Ordinal))
            : binaryLog + ".ascii";
    }
}
