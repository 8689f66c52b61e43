using Overlay.Attest.Tpm;

namespace Overlay.Cli.Tests.Attest;

/// <summary>
/// <c>tvdctl attest checkquote</c> and <c>quote</c> against a real swtpm and the real tpm2-tools, both ways:
/// our verdicts on tpm2_quote's files, and tpm2_checkquote's verdict on ours.
/// </summary>
public sealed class AttestCommandsTests : IDisposable
{
    private const string Nonce = "7e5a1b2c3d4e5f60718293a4b5c6d7e8f9001122";
    private readonly SwtpmWorkspace _workspace = new("tvdctl-attest-");

    public void Dispose() => _workspace.Dispose();

    private string F(string name) => _workspace.File(name);

    private void Tool(string program, params string[] args)
    {
        var r = CliRunner.Exec(_workspace.Environment, program, args);
        Assert.True(r.ExitCode == 0, $"{program} {string.Join(' ', args)}: {r.All}");
    }

    /// <summary>An RSA AK made and persisted by tpm2-tools, and a quote by tpm2_quote over PCRs 0 and 13.</summary>
    private void QuoteWithTpm2Tools()
    {
        Tool("tpm2_createek", "-c", F("ek.ctx"), "-G", "rsa", "-u", F("ek.pub"));
        Tool("tpm2_createak", "-C", F("ek.ctx"), "-c", F("ak.ctx"), "-G", "rsa", "-g", "sha256", "-s", "rsassa", "-u", F("ak.pub"), "-n", F("ak.name"));
        Tool("tpm2_flushcontext", "-t");
        Tool("tpm2_evictcontrol", "-C", "o", "-c", F("ak.ctx"), "0x81010002");
        Tool("tpm2_flushcontext", "-t");
        Tool("tpm2_pcrextend", "13:sha256=" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("guest image"u8)));
        Tool("tpm2_quote", "-c", "0x81010002", "-l", "sha256:0,13", "-q", Nonce, "-m", F("q.msg"), "-s", F("q.sig"), "-o", F("q.pcrs"), "-g", "sha256");
    }

    private CliRunner.Result CheckQuote(string nonce = Nonce, string message = "q.msg", string pcrs = "q.pcrs") =>
        CliRunner.Run("attest", "checkquote", "--public", F("ak.pub"), "--message", F(message), "--signature", F("q.sig"),
            "--pcrs", F(pcrs), "--qualification", nonce);

    [Fact]
    public void A_quote_from_tpm2_quote_is_valid()
    {
        QuoteWithTpm2Tools();

        var r = CheckQuote();

        Assert.Equal(0, r.ExitCode);
        Assert.Equal("valid", r.StdOut.Trim());
    }

    [Fact]
    public void A_wrong_nonce_or_a_tampered_message_or_pcr_file_is_invalid_as_tpm2_checkquote_says()
    {
        QuoteWithTpm2Tools();
        var message = File.ReadAllBytes(F("q.msg"));
        message[^1] ^= 0x01;
        File.WriteAllBytes(F("bad.msg"), message);
        var pcrs = File.ReadAllBytes(F("q.pcrs"));
        // tpm2-tools' PCR file: TPML_PCR_SELECTION (132 B), a count (4 B), then TPML_DIGESTs
        // (count 4 B, then TPM2B_DIGESTs: size 2 B + 64 B). Byte 142 is the first PCR value's first byte.
        pcrs[142] ^= 0x01;
        File.WriteAllBytes(F("bad.pcrs"), pcrs);

        var cases = new[]
        {
            (Ours: CheckQuote(nonce: "00" + Nonce[2..]), Theirs: new[] { "-m", F("q.msg"), "-f", F("q.pcrs"), "-q", "00" + Nonce[2..] }),
            (Ours: CheckQuote(message: "bad.msg"), Theirs: new[] { "-m", F("bad.msg"), "-f", F("q.pcrs"), "-q", Nonce }),
            (Ours: CheckQuote(pcrs: "bad.pcrs"), Theirs: new[] { "-m", F("q.msg"), "-f", F("bad.pcrs"), "-q", Nonce }),
        };

        foreach (var (ours, theirs) in cases)
        {
            var reference = CliRunner.Exec(_workspace.Environment, "tpm2_checkquote", ["-u", F("ak.pub"), "-s", F("q.sig"), "-g", "sha256", .. theirs]);
            Assert.NotEqual(0, reference.ExitCode);
            Assert.Equal(1, ours.ExitCode);
            Assert.StartsWith("invalid: ", ours.StdOut.Trim());
        }
    }

    [Fact]
    public void Unreadable_input_exits_2()
    {
        QuoteWithTpm2Tools();

        Assert.Equal(2, CheckQuote(message: "absent.msg").ExitCode);
        Assert.Equal(2, CheckQuote(nonce: "xyz").ExitCode);
        Assert.Equal(2, CliRunner.Run("attest", "checkquote", "--public", F("ak.pub")).ExitCode);
    }

    [Fact]
    public void Our_quote_passes_tpm2_checkquote()
    {
        var r = CliRunner.RunWith(_workspace.Environment, "attest", "quote", "--tcti", _workspace.Tpm.Tcti, "--nonce", Nonce, "--out", F("ours"));
        Assert.True(r.ExitCode == 0, r.All);

        var check = CliRunner.Exec(_workspace.Environment, "tpm2_checkquote", "-u", F("ours/ak.pub"), "-m", F("ours/quote.msg"), "-s", F("ours/quote.sig"),
            "-f", F("ours/quote.pcrs"), "-g", "sha256", "-q", Nonce);
        var wrongNonce = CliRunner.Exec(_workspace.Environment, "tpm2_checkquote", "-u", F("ours/ak.pub"), "-m", F("ours/quote.msg"), "-s", F("ours/quote.sig"),
            "-f", F("ours/quote.pcrs"), "-g", "sha256", "-q", "00" + Nonce[2..]);
        var ours = CliRunner.Run("attest", "checkquote", "--public", F("ours/ak.pub"), "--message", F("ours/quote.msg"),
            "--signature", F("ours/quote.sig"), "--pcrs", F("ours/quote.pcrs"), "--qualification", Nonce);

        Assert.True(check.ExitCode == 0, check.All);
        Assert.NotEqual(0, wrongNonce.ExitCode);
        Assert.Equal(0, ours.ExitCode);
    }
}
