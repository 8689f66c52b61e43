using System.Security.Cryptography;
using System.Text.Json;
using Overlay.Attest.Quote;
using Overlay.Attest.Verify;
using Overlay.Daemon.Tests.Support;

namespace Overlay.Daemon.Tests.AttestHost;

/// <summary>Test-side helpers: the quote verb as a verifier calls it, and reference values from files' SHA-256.</summary>
internal static class DaemonAttestation
{
    /// <summary>The daemon's executable and main assembly, as the test host starts them.</summary>
    public static string[] DaemonFiles => [DaemonProcess.Binary, Path.ChangeExtension(DaemonProcess.Binary, ".dll")];

    public static async Task<(Evidence Evidence, string Pin, JsonElement Reply)> QuoteAsync(string socketPath, byte[] nonce)
    {
        string reply = await ControlSocketClient.ExchangeAsync(socketPath, $"{{\"verb\":\"quote\",\"nonce\":\"{Convert.ToHexStringLower(nonce)}\"}}\n");
        using JsonDocument document = JsonDocument.Parse(reply);
        JsonElement root = document.RootElement;
        Assert.True(root.GetProperty("ok").GetBoolean(), reply);
        Assert.True(EvidenceCodec.TryDecode(Convert.FromBase64String(root.GetProperty("evidence").GetString()!), out Evidence evidence, out string error), error);
        return (evidence, root.GetProperty("ak_pin").GetString()!, root.Clone());
    }

    /// <summary>What an operator would write with sha256sum: each file's current content under its full path.</summary>
    public static ReferenceValues ReferencesFor(params string[] files)
    {
        var references = new ReferenceValues();
        foreach (string file in files)
        {
            references.AllowFile(Path.GetFullPath(file), SHA256.HashData(File.ReadAllBytes(file)));
        }

        return references;
    }

    public static VerificationResult Verify(Evidence evidence, byte[] nonce, string pin, ReferenceValues references)
    {
        var policy = new VerifierPolicy { References = references };
        policy.PinnedAkFingerprints.Add(pin);
        return new QuoteVerifier().Verify(evidence, nonce, policy);
    }

    /// <summary>
    /// True while a process with this pid runs and is a swtpm (pids are reused, so the name is checked; a zombie,
    /// dead but not yet reaped, has an empty command line and does not count).
    /// </summary>
    public static bool IsSwtpmRunning(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim() == "swtpm" && CommandLine(pid).Length > 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Every running swtpm whose command line mentions <paramref name="directory"/>.</summary>
    public static int[] SwtpmsUnder(string directory) =>
        [.. Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out int pid) ? pid : 0)
            .Where(pid => pid > 0 && IsSwtpmRunning(pid) && CommandLine(pid).Contains(directory, StringComparison.Ordinal))];

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }
}
