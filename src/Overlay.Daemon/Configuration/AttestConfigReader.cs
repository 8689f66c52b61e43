using System.Text;
using Overlay.Attest.Tpm;
using Overlay.Common.Toml;

namespace Overlay.Daemon.Configuration;

/// <summary>
/// Reads <c>[attest]</c>: every key optional, every problem a <c>file:line:column</c> error. Runs after
/// <c>[daemon]</c>, because the defaults live under its <c>state_dir</c>.
/// </summary>
internal static class AttestConfigReader
{
    public const string Table = "attest";

    /// <summary>sun_path holds 108 bytes including the NUL; the swtpm's control socket is the longer of its two.</summary>
    private const string LongestSwtpmSocket = "tpm.sock.ctrl";

    private static readonly string[] Keys = ["tcti", "swtpm_state", "pcr", "measurement_log", "key"];

    /// <summary>Null (with errors added) when the table has a problem; the defaults when there is no table.</summary>
    public static AttestConfig? Read(TomlSection? table, string file, string stateDirectory, List<ConfigError> errors)
    {
        AttestConfig defaults = AttestConfig.Defaults(stateDirectory);
        if (table is null)
        {
            return defaults;
        }

        int before = errors.Count;
        var reader = new ConfigTableReader(table, errors, Keys);
        string baseDirectory = Path.GetDirectoryName(file) ?? "/";
        string? tcti = reader.String("tcti", required: false);
        string? swtpm = reader.String("swtpm_state", required: false);
        long? pcr = reader.Integer("pcr", 0, 22, defaults.Pcr);
        string? log = reader.String("measurement_log", required: false);
        string key = reader.String("key", required: false) ?? "ecc";

        if (pcr == 16)
        {
            reader.Error(reader.LocationOf("pcr"), "'pcr' must not be 16: the debug PCR can be reset by software, so a quote over it proves nothing");
        }

        AkAlgorithm? algorithm = key switch
        {
            "ecc" => AkAlgorithm.EccP256,
            "rsa" => AkAlgorithm.Rsa2048,
            _ => null,
        };
        if (algorithm is null)
        {
            reader.Error(reader.LocationOf("key"), $"'key' must be \"ecc\" (NIST P-256) or \"rsa\" (RSA-2048), not \"{key}\"");
        }

        string swtpmState = swtpm is null ? defaults.SwtpmState : Path.GetFullPath(swtpm, baseDirectory);
        bool mayUseEmbedded = !TpmChoice.NamesTpm(tcti);
        int socketBytes = Encoding.UTF8.GetByteCount(Path.Combine(swtpmState, LongestSwtpmSocket));
        if (mayUseEmbedded && socketBytes > DaemonConfigLoader.MaxSocketPathBytes)
        {
            reader.Error(swtpm is null ? reader.Location : reader.LocationOf("swtpm_state"),
                $"swtpm_state '{swtpmState}' is too long: its socket {LongestSwtpmSocket} would need {socketBytes} bytes, a Unix socket path holds at most {DaemonConfigLoader.MaxSocketPathBytes}");
        }

        if (errors.Count > before)
        {
            return null;
        }

        string binaryLog = log is null ? defaults.MeasurementLog : Path.GetFullPath(log, baseDirectory);
        return new AttestConfig(tcti, swtpmState, (int)pcr!, binaryLog, AttestConfig.AsciiPathFor(binaryLog), algorithm!.Value);
    }
}
