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
    public void Json_of_daemon_quote_and_daemon_measure_names_the_pin_the_files_and_the_new_measurement()
    {
        StartDaemon();
        string evidence = Path.Combine(_dir, "daemon.ev");
        string measured = Path.Combine(_dir, "runtime.bin");
        File.WriteAllText(measured, "changed at run time");

        var quote = CliRunner.Run("attest", "daemon-quote", "--socket", Socket, "--nonce", "5ca1ab1e", "--out", evidence, "--json");
        var measure = CliRunner.Run("attest", "daemon-measure", measured, "--socket", Socket, "--json");

        Assert.True(quote.ExitCode == 0, quote.All);
        using var q = JsonDocument.Parse(quote.StdOut);
        JsonElement d = q.RootElement;
        Assert.Equal((evidence, "sha256:13", StatusPin(), 1), (d.GetProperty("out").GetString(), d.GetProperty("pcrs").GetString(),
            d.GetProperty("ak_pin").GetString(), d.GetProperty("lists").GetInt32()));
        Assert.Equal(JsonValueKind.Null, d.GetProperty("ak_out").ValueKind);
        Assert.False(d.GetProperty("hardware_root_of_trust").GetBoolean());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(evidence))), d.GetProperty("sha256").GetString());

        Assert.True(measure.ExitCode == 0, measure.All);
        using var m = JsonDocument.Parse(measure.StdOut);
        JsonElement entry = m.RootElement.GetProperty("measurements").EnumerateArray().Single();
        Assert.Equal((13, measured), (entry.GetProperty("pcr").GetInt32(), entry.GetProperty("path").GetString()));
        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(measured))), entry.GetProperty("digest").GetString());

        var none = CliRunner.Run("attest", "daemon-measure", Path.Combine(_dir, "absent"), "--socket", Socket, "--json");
        Assert.Equal((2, ""), (none.ExitCode, none.StdOut));
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
