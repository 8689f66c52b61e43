using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;

namespace Overlay.Cli.Tests.Attest;

/// <summary>
/// <c>tvdctl attest daemon-quote</c> then <c>tvdctl attest verify</c> against a real tvd-overlayd with its embedded
/// swtpm: the running daemon verifies end to end, with reference values written by sha256sum.
/// </summary>
public sealed class DaemonQuoteCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tvdctl-dq-").FullName;
    private DaemonProcess? _daemon;

    private string Socket => Path.Combine(_dir, "run", "control.sock");

    private string Config => Path.Combine(_dir, "overlayd.toml");

    private string Policy => Path.Combine(_dir, "policy.toml");

    public void Dispose()
    {
        _daemon?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Evidence_from_the_running_daemon_verifies_against_its_pin_and_sha256sum_reference_values()
    {
        StartDaemon();
        string evidence = Path.Combine(_dir, "daemon.ev");
        string akFile = Path.Combine(_dir, "ak.pub");

        var quote = CliRunner.Run("attest", "daemon-quote", "--socket", Socket, "--nonce", "5ca1ab1e0ddba11a", "--out", evidence, "--ak-out", akFile);

        Assert.Equal(0, quote.ExitCode);
        Assert.Contains($"evidence over sha256:13 from tvd-overlayd written to {evidence}", quote.StdOut);
        Assert.Contains("warning: software TPM: no hardware root of trust", quote.StdOut);
        string pin = quote.StdOut.Split('\n').Single(l => l.StartsWith("ak_pin ", StringComparison.Ordinal))["ak_pin ".Length..].Trim();
        Assert.Equal(StatusPin(), pin);

        string daemonBinary = Path.Combine(AppContext.BaseDirectory, "tvd-overlayd");
        var sums = CliRunner.Exec(null, "sha256sum", daemonBinary, daemonBinary + ".dll", Config, Policy);
        string reference = Path.Combine(_dir, "reference.txt");
        File.WriteAllText(reference, sums.StdOut);

        var verified = CliRunner.Run("attest", "verify", "--evidence", evidence, "--nonce", "5ca1ab1e0ddba11a", "--pin", pin, "--reference", reference);
        Assert.True(verified.ExitCode == 0, verified.All);
        Assert.StartsWith("valid", verified.StdOut);
        Assert.Contains("4 measurement(s) covered by the quote", verified.StdOut);

        // The AK written beside it is the pinned one, and a stale nonce is refused.
        Assert.Equal(0, CliRunner.Run("attest", "verify", "--evidence", evidence, "--nonce", "5ca1ab1e0ddba11a", "--ak", akFile, "--reference", reference).ExitCode);
        var replayed = CliRunner.Run("attest", "verify", "--evidence", evidence, "--nonce", "0ddba11a5ca1ab1e", "--pin", pin, "--reference", reference);
        Assert.Equal(1, replayed.ExitCode);
        Assert.Contains("quote.nonce", replayed.StdOut);
    }

    [Fact]
    public void Without_a_daemon_it_exits_2_and_says_so()
    {
        var r = CliRunner.Run("attest", "daemon-quote", "--socket", Socket, "--nonce", "00", "--out", Path.Combine(_dir, "x.ev"));

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("tvd-overlayd is not running", r.StdErr);
        Assert.False(File.Exists(Path.Combine(_dir, "x.ev")));
    }

    private string StatusPin()
    {
        var r = CliRunner.Run("status", "--json", "--socket", Socket);
        using var doc = JsonDocument.Parse(r.StdOut);
        return doc.RootElement.GetProperty("attest").GetProperty("ak").GetProperty("fingerprint").GetString()!;
    }

    private void StartDaemon()
    {
        CliRunner.CopyExamplePolicy(_dir);
        File.WriteAllText(Config, "[daemon]\nhost = \"host1\"\npolicy = \"policy.toml\"\nstate_dir = \"state\"\nruntime_dir = \"run\"\n");
        _daemon = DaemonProcess.Start(Config, Socket);
    }
}
