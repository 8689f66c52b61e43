using System.Security.Cryptography;
using System.Text.Json;
using Overlay.Attest.Verify;
using Overlay.Daemon.Tests.Support;
using static Overlay.Daemon.Tests.AttestHost.DaemonAttestation;

namespace Overlay.Daemon.Tests.AttestHost;

/// <summary>
/// The real daemon with its embedded swtpm (a real swtpm process, state in the test's directory): what it
/// measures before it is ready, quotes over the control socket that verify, reloads measured, nothing left after SIGTERM.
/// </summary>
public sealed class AttestServiceTests
{
    [Fact]
    public async Task Status_shows_the_software_tpm_the_ak_and_the_daemon_measured_before_ready()
    {
        using var daemon = new DaemonProcess();
        JsonElement attest = (await daemon.StartAndWaitReadyAsync()).GetProperty("attest");

        JsonElement tpm = attest.GetProperty("tpm");
        Assert.Equal("embedded_swtpm", tpm.GetProperty("kind").GetString());
        Assert.False(tpm.GetProperty("hardware_root_of_trust").GetBoolean());
        Assert.Equal("software TPM: no hardware root of trust", tpm.GetProperty("warning").GetString());
        Assert.StartsWith($"swtpm:path={daemon.Directory.Path}/state/swtpm/", tpm.GetProperty("tcti").GetString());
        Assert.True(IsSwtpmRunning(tpm.GetProperty("swtpm_pid").GetInt32()));
        await daemon.ExpectOutputAsync("software TPM: no hardware root of trust");

        JsonElement ak = attest.GetProperty("ak");
        Assert.Equal("ecc-p256", ak.GetProperty("algorithm").GetString());
        using (var key = ECDsa.Create())
        {
            key.ImportFromPem(ak.GetProperty("pem").GetString());
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo())), ak.GetProperty("fingerprint").GetString());
        }

        Assert.Equal(13, attest.GetProperty("pcr").GetInt32());
        Assert.True(attest.GetProperty("measurements").GetInt32() >= 3);
        string[] measured = [.. attest.GetProperty("last_measurements").EnumerateArray().Select(e => e.GetProperty("path").GetString()!)];
        Assert.Equal([.. DaemonFiles, daemon.ConfigFile, daemon.PolicyFile], measured);
        string policyDigest = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(daemon.PolicyFile)));
        Assert.Equal($"sha256:{policyDigest}", attest.GetProperty("last_measurements")[3].GetProperty("digest").GetString());

        // The ASCII list beside the binary one says the same, in the kernel's line format.
        string ascii = File.ReadAllText(attest.GetProperty("ascii_measurement_log").GetString()!);
        Assert.EndsWith($" ima-ng sha256:{policyDigest} {daemon.PolicyFile}\n", ascii);
        Assert.StartsWith("13 ", ascii);

        // Measured before ready: the last measurement is logged before the control socket listens.
        Assert.True(daemon.Output.IndexOf($"measured {daemon.PolicyFile}", StringComparison.Ordinal)
            < daemon.Output.IndexOf("control socket listening", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_quote_over_the_control_socket_verifies_against_the_pin_and_sha256_of_binary_config_and_policy()
    {
        using var daemon = new DaemonProcess();
        JsonElement status = await daemon.StartAndWaitReadyAsync();
        string pin = status.GetProperty("attest").GetProperty("ak").GetProperty("fingerprint").GetString()!;
        byte[] nonce = RandomNumberGenerator.GetBytes(20);

        var (evidence, reportedPin, reply) = await QuoteAsync(daemon.SocketPath, nonce);
        ReferenceValues references = ReferencesFor([.. DaemonFiles, daemon.ConfigFile, daemon.PolicyFile]);

        Assert.Equal(pin, reportedPin);
        Assert.Equal("sha256:13", reply.GetProperty("pcrs").GetString());
        VerificationResult result = Verify(evidence, nonce, pin, references);
        Assert.True(result.IsTrusted, result.ToString());
        Assert.Equal(4, result.VerifiedEntries);

        // The same evidence fails for another nonce, another pin, or a binary that is not the one measured.
        Assert.True(Verify(evidence, RandomNumberGenerator.GetBytes(20), pin, references).Has("quote.nonce"));
        Assert.True(Verify(evidence, nonce, new string('0', 64), references).Has("ak.trust"));
        var otherBinary = ReferencesFor(daemon.ConfigFile, daemon.PolicyFile);
        otherBinary.AllowFile(DaemonProcess.Binary, SHA256.HashData("a different build"u8));
        Assert.True(Verify(evidence, nonce, pin, otherBinary).Has("ref.mismatch"));
    }

    [Fact]
    public async Task The_list_keeps_what_was_measured_and_a_committed_reload_measures_the_new_policy()
    {
        using var daemon = new DaemonProcess();
        JsonElement status = await daemon.StartAndWaitReadyAsync();
        string pin = status.GetProperty("attest").GetProperty("ak").GetProperty("fingerprint").GetString()!;
        ReferenceValues original = ReferencesFor([.. DaemonFiles, daemon.ConfigFile, daemon.PolicyFile]);

        // Tampered after start: quotes still show (and verify against) the digest that was measured.
        string text = File.ReadAllText(daemon.PolicyFile);
        File.WriteAllText(daemon.PolicyFile, text.Replace("version = 1\n", "version = 2\nreplaces = 1\n"));
        byte[] nonce = RandomNumberGenerator.GetBytes(20);
        var (tampered, _, _) = await QuoteAsync(daemon.SocketPath, nonce);
        VerificationResult beforeReload = Verify(tampered, nonce, pin, original);
        Assert.True(beforeReload.IsTrusted, beforeReload.ToString());
        Assert.Equal(4, beforeReload.VerifiedEntries);

        // SIGHUP commits version 2: its file is measured, and the old reference values no longer cover it.
        daemon.Signal(Signals.SIGHUP);
        JsonElement attest = (await daemon.WaitForStatusAsync(s => s.GetProperty("attest").GetProperty("measurements").GetInt32() == 5)).GetProperty("attest");
        string newDigest = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(daemon.PolicyFile)));
        JsonElement last = attest.GetProperty("last_measurements")[4];
        Assert.Equal(daemon.PolicyFile, last.GetProperty("path").GetString());
        Assert.Equal($"sha256:{newDigest}", last.GetProperty("digest").GetString());

        nonce = RandomNumberGenerator.GetBytes(20);
        var (reloaded, _, _) = await QuoteAsync(daemon.SocketPath, nonce);
        VerificationResult stale = Verify(reloaded, nonce, pin, original);
        Assert.Contains(stale.Errors, f => f.Id == "ref.mismatch" && f.Message.Contains(newDigest));
        original.AllowFile(daemon.PolicyFile, Convert.FromHexString(newDigest));
        VerificationResult current = Verify(reloaded, nonce, pin, original);
        Assert.True(current.IsTrusted, current.ToString());
        Assert.Equal(5, current.VerifiedEntries);
    }

    [Fact]
    public async Task A_refused_reload_measures_nothing()
    {
        using var daemon = new DaemonProcess();
        await daemon.StartAndWaitReadyAsync();

        daemon.Signal(Signals.SIGHUP); // version 1 again: refused

        JsonElement status = await daemon.WaitForStatusAsync(s => s.GetProperty("policy").GetProperty("last_reload").ValueKind == JsonValueKind.Object);
        Assert.Equal(4, status.GetProperty("attest").GetProperty("measurements").GetInt32());
    }

    [Fact]
    public async Task Sigterm_stops_the_embedded_swtpm()
    {
        using var daemon = new DaemonProcess();
        JsonElement status = await daemon.StartAndWaitReadyAsync();
        int swtpm = status.GetProperty("attest").GetProperty("tpm").GetProperty("swtpm_pid").GetInt32();
        Assert.True(IsSwtpmRunning(swtpm));

        daemon.Signal(Signals.SIGTERM);

        Assert.Equal(0, await daemon.WaitForExitAsync());
        Assert.False(IsSwtpmRunning(swtpm), "the daemon's swtpm outlived it");
        Assert.Empty(SwtpmsUnder(daemon.Directory.Path));
        await daemon.ExpectOutputAsync("attest: stopped; 4 measurements");
    }

    [Theory]
    [InlineData("{\"verb\":\"quote\"}\n", "quote needs a string \"nonce\"")]
    [InlineData("{\"verb\":\"quote\",\"nonce\":\"xyz\"}\n", "nonce must be 1 to 64 bytes as hex")]
    [InlineData("{\"verb\":\"quote\",\"nonce\":\"abc\"}\n", "nonce must be 1 to 64 bytes as hex")]
    public async Task A_quote_request_without_a_usable_nonce_is_refused(string request, string error)
    {
        using var daemon = new DaemonProcess();
        await daemon.StartAndWaitReadyAsync();

        using JsonDocument reply = JsonDocument.Parse(await ControlSocketClient.ExchangeAsync(daemon.SocketPath, request));

        Assert.False(reply.RootElement.GetProperty("ok").GetBoolean());
        Assert.StartsWith(error, reply.RootElement.GetProperty("error").GetString());
    }
}
