using System.Security.Cryptography;
using System.Text.Json;
using Overlay.Attest.Tpm;

namespace Overlay.Cli.Tests.Attest;

/// <summary>
/// <c>tvdctl attest quote|checkquote|measure|evidence|verify --json</c> against a real swtpm: each document parsed and
/// its values checked against the files written, the TPM's AK and a second verb reading them; exit codes as without
/// --json (1 for an invalid quote or untrusted evidence, with the document).
/// </summary>
public sealed class AttestJsonTests : IDisposable
{
    private const string Nonce = "0badc0ffee0ddf00d5eed5a1c0ffee00";
    private readonly SwtpmWorkspace _workspace = new("tvdctl-attest-json-");

    public void Dispose() => _workspace.Dispose();

    private string F(string name) => _workspace.File(name);

    private static JsonElement Parse(CliRunner.Result r)
    {
        using var document = JsonDocument.Parse(r.StdOut);
        return document.RootElement.Clone();
    }

    private CliRunner.Result CheckQuote(string nonce) =>
        CliRunner.Run("attest", "checkquote", "--public", F("q/ak.pub"), "--message", F("q/quote.msg"), "--signature", F("q/quote.sig"),
            "--pcrs", F("q/quote.pcrs"), "--qualification", nonce, "--json");

    [Fact]
    public void Quote_names_what_it_wrote_and_checkquote_judges_it_with_every_finding()
    {
        var quote = CliRunner.RunWith(_workspace.Environment, "attest", "quote", "--tcti", _workspace.Tpm.Tcti, "--nonce", Nonce, "--out", F("q"), "--json");

        Assert.True(quote.ExitCode == 0, quote.All);
        var q = Parse(quote);
        Assert.Equal((F("q"), "sha256:13"), (q.GetProperty("out").GetString(), q.GetProperty("pcrs").GetString()));
        Assert.Equal(["quote.msg", "quote.sig", "quote.pcrs", "ak.pub", "ak.pem"], q.GetProperty("files").EnumerateArray().Select(f => f.GetString()!));
        Assert.All(q.GetProperty("files").EnumerateArray(), f => Assert.True(File.Exists(F("q/" + f.GetString()))));
        // The fingerprint is the AK's: SHA-256 of the SubjectPublicKeyInfo in ak.pem.
        using var ecdsa = ECDsa.Create();
        ecdsa.ImportFromPem(File.ReadAllText(F("q/ak.pem")));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(ecdsa.ExportSubjectPublicKeyInfo())), q.GetProperty("ak_fingerprint").GetString());

        var valid = CheckQuote(Nonce);
        var invalid = CheckQuote("00" + Nonce[2..]);

        Assert.True(valid.ExitCode == 0, valid.All);
        var v = Parse(valid);
        Assert.True(v.GetProperty("valid").GetBoolean());
        Assert.Equal("valid", v.GetProperty("verdict").GetString());
        Assert.DoesNotContain(v.GetProperty("findings").EnumerateArray(), f => f.GetProperty("severity").GetString() == "error");
        Assert.Equal(1, invalid.ExitCode);
        var i = Parse(invalid);
        Assert.False(i.GetProperty("valid").GetBoolean());
        var nonce = i.GetProperty("findings").EnumerateArray().Single(f => f.GetProperty("id").GetString() == "quote.nonce");
        Assert.Equal("error", nonce.GetProperty("severity").GetString());
        Assert.StartsWith("invalid: quote.nonce: " + nonce.GetProperty("message").GetString(), i.GetProperty("verdict").GetString());
    }

    [Fact]
    public void Measure_evidence_and_verify_agree_on_the_measured_file()
    {
        File.WriteAllText(F("app.bin"), "a measured application");
        var measure = CliRunner.RunWith(_workspace.Environment, "attest", "measure", "--tcti", _workspace.Tpm.Tcti, "--log", F("list"), F("app.bin"), "--json");

        Assert.True(measure.ExitCode == 0, measure.All);
        var m = Parse(measure).GetProperty("measurements").EnumerateArray().Single();
        Assert.Equal(13, m.GetProperty("pcr").GetInt32());
        Assert.Equal("sha256:" + Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(F("app.bin")))), m.GetProperty("digest").GetString());
        Assert.Equal(F("app.bin"), m.GetProperty("path").GetString());

        var evidence = CliRunner.RunWith(_workspace.Environment, "attest", "evidence", "--tcti", _workspace.Tpm.Tcti, "--nonce", Nonce, "--log", F("list"), "--out", F("ev"), "--json");
        Assert.True(evidence.ExitCode == 0, evidence.All);
        var e = Parse(evidence);
        Assert.Equal((F("ev"), "sha256:13", 1), (e.GetProperty("out").GetString(), e.GetProperty("pcrs").GetString(), e.GetProperty("lists").GetInt32()));
        string pin = e.GetProperty("ak_fingerprint").GetString()!;

        var trusted = CliRunner.Run("attest", "verify", "--evidence", F("ev"), "--nonce", Nonce, "--pin", pin, "--json");
        var untrusted = CliRunner.Run("attest", "verify", "--evidence", F("ev"), "--nonce", Nonce, "--pin", new string('0', 64), "--json");

        Assert.True(trusted.ExitCode == 0, trusted.All);
        var t = Parse(trusted);
        Assert.True(t.GetProperty("valid").GetBoolean());
        Assert.Equal(1, t.GetProperty("verified_entries").GetInt32());
        Assert.Equal(1, untrusted.ExitCode);
        var u = Parse(untrusted);
        Assert.False(u.GetProperty("valid").GetBoolean());
        Assert.Contains(u.GetProperty("findings").EnumerateArray(), f => f.GetProperty("severity").GetString() == "error");
    }
}
