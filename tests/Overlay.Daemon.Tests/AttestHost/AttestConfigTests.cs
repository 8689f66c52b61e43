using Overlay.Attest.Tpm;
using Overlay.Daemon.Configuration;

namespace Overlay.Daemon.Tests.AttestHost;

/// <summary>The [attest] table: every key optional, defaults under state_dir, typos and bad values at file:line:column.</summary>
public sealed class AttestConfigTests
{
    private const string ConfigPath = "/etc/tvd-overlay/overlayd.toml";
    private const string Daemon = "[daemon]\nhost = \"host1\"\nstate_dir = \"/var/lib/tvd\"\n";

    [Fact]
    public void Without_an_attest_table_the_documented_defaults_apply()
    {
        var result = DaemonConfigLoader.Load(Daemon, ConfigPath);

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        AttestConfig attest = result.Config!.AttestSettings;
        Assert.Null(attest.Tcti);
        Assert.False(attest.IsConfigured);
        Assert.Equal("/var/lib/tvd/swtpm", attest.SwtpmState);
        Assert.Equal(13, attest.Pcr);
        Assert.Equal("/var/lib/tvd/measurements/binary_runtime_measurements", attest.MeasurementLog);
        Assert.Equal("/var/lib/tvd/measurements/ascii_runtime_measurements", attest.AsciiMeasurementLog);
        Assert.Equal(AkAlgorithm.EccP256, attest.Key);
    }

    [Fact]
    public void Every_key_is_read_and_relative_paths_resolve_against_the_config_directory()
    {
        const string text = Daemon + """
            [attest]
            tcti = "device:/dev/tpmrm0"
            swtpm_state = "tpm"
            pcr = 14
            measurement_log = "lists/overlay.bin"
            key = "rsa"
            """;

        AttestConfig attest = DaemonConfigLoader.Load(text, ConfigPath).Config!.AttestSettings;

        Assert.Equal("device:/dev/tpmrm0", attest.Tcti);
        Assert.True(attest.IsConfigured);
        Assert.Equal("/etc/tvd-overlay/tpm", attest.SwtpmState);
        Assert.Equal(14, attest.Pcr);
        Assert.Equal("/etc/tvd-overlay/lists/overlay.bin", attest.MeasurementLog);
        Assert.Equal("/etc/tvd-overlay/lists/overlay.bin.ascii", attest.AsciiMeasurementLog);
        Assert.Equal(AkAlgorithm.Rsa2048, attest.Key);
    }

    [Fact]
    public void Tcti_embedded_forces_the_swtpm_and_is_not_a_configured_tpm()
    {
        AttestConfig attest = DaemonConfigLoader.Load(Daemon + "[attest]\ntcti = \"embedded\"\n", ConfigPath).Config!.AttestSettings;

        Assert.Equal(AttestConfig.EmbeddedTcti, attest.Tcti);
        Assert.False(attest.IsConfigured);
    }

    [Theory]
    [InlineData("[attest]\npcrr = 13\n", "5:1: error: unknown key 'pcrr' in [attest] (known: tcti, swtpm_state, pcr, measurement_log, key)")]
    [InlineData("[attest]\nkey = \"ed25519\"\n", "5:7: error: 'key' must be \"ecc\" (NIST P-256) or \"rsa\" (RSA-2048), not \"ed25519\"")]
    [InlineData("[attest]\npcr = 16\n", "5:7: error: 'pcr' must not be 16")]
    [InlineData("[attest]\npcr = 23\n", "5:7: error: 'pcr' must be an integer in 0..22")]
    [InlineData("[attest]\npcr = \"13\"\n", "5:7: error: 'pcr' must be an integer in 0..22")]
    [InlineData("[attest]\ntcti = \"\"\n", "5:8: error: 'tcti' must be a non-empty string")]
    [InlineData("[attest]\nmeasurement_log = 1\n", "5:19: error: 'measurement_log' must be a non-empty string")]
    [InlineData("[attest.tpm]\nx = 1\n", "4:2: error: unknown table 'attest.tpm' (expected [daemon], [attest],")]
    public void Mistakes_are_reported_at_their_location(string attest, string expected)
    {
        var result = DaemonConfigLoader.Load(Daemon + attest, ConfigPath);

        Assert.False(result.Succeeded);
        Assert.Contains(result.Errors, e => e.ToString().StartsWith($"{ConfigPath}:{expected}", StringComparison.Ordinal));
    }

    [Fact]
    public void A_swtpm_state_too_long_for_its_socket_is_refused_unless_another_tpm_is_configured()
    {
        string deep = "/" + string.Join('/', Enumerable.Repeat("directory", 10));
        string swtpm = $"[attest]\nswtpm_state = \"{deep}\"\n";

        var refused = DaemonConfigLoader.Load(Daemon + swtpm, ConfigPath);
        var accepted = DaemonConfigLoader.Load(Daemon + swtpm + "tcti = \"device:/dev/tpmrm0\"\n", ConfigPath);

        Assert.Contains(refused.Errors, e => e.ToString().StartsWith($"{ConfigPath}:5:15: error: swtpm_state '{deep}' is too long", StringComparison.Ordinal));
        Assert.True(accepted.Succeeded, string.Join("\n", accepted.Errors));
    }

    [Theory]
    [InlineData("/var/lib/tvd/m/binary_runtime_measurements", "/var/lib/tvd/m/ascii_runtime_measurements")]
    [InlineData("/var/lib/tvd/overlay.list", "/var/lib/tvd/overlay.list.ascii")]
    public void The_ascii_list_sits_beside_the_binary_one(string binary, string ascii) =>
        Assert.Equal(ascii, AttestConfig.AsciiPathFor(binary));
}
