using System.Security.Cryptography;
using Overlay.Attest.Quote;
using Overlay.Attest.Tests.Fixtures;

namespace Overlay.Attest.Tests.Interop;

/// <summary>
/// Both directions against the real tools: quotes from tpm2_quote checked by us, quotes from us checked by
/// tpm2_checkquote, and on every tampered variant our verdict agrees with tpm2_checkquote's.
/// </summary>
[Collection(SwtpmCollection.Name)]
public sealed class Tpm2ToolsInteropTests(SwtpmFixture tpm, Tpm2ToolsFixture tools) : IClassFixture<Tpm2ToolsFixture>
{
    [Theory]
    [InlineData("ecc", "ecc.pub")]
    [InlineData("ecc", "ecc.pem")]
    [InlineData("rsa", "rsa.pub")]
    public void Tpm2QuoteIsValidForUsAndForTpm2CheckQuote(string key, string publicFile)
    {
        var ours = Ours(tools.P(publicFile), tools.P($"{key}.msg"), tools.P($"{key}.sig"), tools.P($"{key}.pcrs"), Tpm2ToolsFixture.Nonce);
        var theirs = Theirs(tools.P($"{key}.pub"), tools.P($"{key}.msg"), tools.P($"{key}.sig"), tools.P($"{key}.pcrs"), Tpm2ToolsFixture.Nonce);
        Assert.Equal("valid", ours);
        Assert.True(theirs);
    }

    [Fact]
    public void AnotherAksKeyFailsForBoth()
    {
        // The RSA AK's key does not verify the ECC AK's quote: both verifiers must say no.
        Assert.StartsWith("invalid", Ours(tools.P("rsa.pem"), tools.P("ecc.msg"), tools.P("ecc.sig"), tools.P("ecc.pcrs"), Tpm2ToolsFixture.Nonce));
        Assert.False(Theirs(tools.P("rsa.pem"), tools.P("ecc.msg"), tools.P("ecc.sig"), tools.P("ecc.pcrs"), Tpm2ToolsFixture.Nonce));
    }

    [Theory]
    [InlineData("msg", 60)]
    [InlineData("sig", 12)]
    [InlineData("pcrs", 150)] // inside the first PCR value (values start at 142)
    public void TamperedFilesAreInvalidForBoth(string part, int offset)
    {
        var tampered = Copy("ecc", part, bytes => bytes[offset] ^= 0x01);
        var files = new Dictionary<string, string>
        {
            ["msg"] = tools.P("ecc.msg"),
            ["sig"] = tools.P("ecc.sig"),
            ["pcrs"] = tools.P("ecc.pcrs"),
        };
        files[part] = tampered;
        var ours = Ours(tools.P("ecc.pub"), files["msg"], files["sig"], files["pcrs"], Tpm2ToolsFixture.Nonce);
        var theirs = Theirs(tools.P("ecc.pub"), files["msg"], files["sig"], files["pcrs"], Tpm2ToolsFixture.Nonce);
        Assert.StartsWith("invalid", ours);
        Assert.False(theirs);
    }

    [Fact]
    public void WrongNonceIsInvalidForBoth()
    {
        var nonce = "00" + Tpm2ToolsFixture.Nonce[2..];
        Assert.Equal("invalid: quote.nonce: qualifying data " + Tpm2ToolsFixture.Nonce + " is not the expected nonce",
            Ours(tools.P("ecc.pub"), tools.P("ecc.msg"), tools.P("ecc.sig"), tools.P("ecc.pcrs"), nonce));
        Assert.False(Theirs(tools.P("ecc.pub"), tools.P("ecc.msg"), tools.P("ecc.sig"), tools.P("ecc.pcrs"), nonce));
    }

    [Fact]
    public void UnreadableInputIsNotAVerdict()
    {
        Assert.Null(Tpm2ToolsFiles.Check(tools.P("missing.pub"), tools.P("ecc.msg"), tools.P("ecc.sig"), tools.P("ecc.pcrs"), [], out var error));
        Assert.Contains("missing.pub", error);
        var shortPcrs = Copy("ecc", "pcrs", _ => { }, truncate: 100);
        Assert.Null(Tpm2ToolsFiles.Check(tools.P("ecc.pub"), tools.P("ecc.msg"), tools.P("ecc.sig"), shortPcrs, [], out error));
    }

    [Theory]
    [InlineData("ecc")]
    [InlineData("rsa")]
    public void OurQuotePassesTpm2CheckQuote(string key)
    {
        var nonce = RandomNumberGenerator.GetBytes(16);
        var ak = key == "ecc" ? tpm.EccKey : tpm.RsaKey;
        var quote = new QuoteCollector(tpm.Device, ak).Quote(nonce, SwtpmFixture.Selection);
        var directory = Path.Combine(tools.Directory, $"ours-{key}-{Guid.NewGuid():N}");
        Tpm2ToolsFiles.Write(directory, quote, ak);
        string F(string name) => Path.Combine(directory, name);

        var hex = Convert.ToHexStringLower(nonce);
        Assert.True(Theirs(F(Tpm2ToolsFiles.AkPublic), F(Tpm2ToolsFiles.Message), F(Tpm2ToolsFiles.Signature), F(Tpm2ToolsFiles.Pcrs), hex));
        Assert.True(Theirs(F(Tpm2ToolsFiles.AkPem), F(Tpm2ToolsFiles.Message), F(Tpm2ToolsFiles.Signature), F(Tpm2ToolsFiles.Pcrs), hex));
        Assert.Equal("valid", Ours(F(Tpm2ToolsFiles.AkPem), F(Tpm2ToolsFiles.Message), F(Tpm2ToolsFiles.Signature), F(Tpm2ToolsFiles.Pcrs), hex));

        // And tpm2_checkquote rejects our quote once its PCR file is altered, as we do.
        var pcrs = File.ReadAllBytes(F(Tpm2ToolsFiles.Pcrs));
        pcrs[150] ^= 0x80; // inside the first PCR value
        File.WriteAllBytes(F(Tpm2ToolsFiles.Pcrs), pcrs);
        Assert.False(Theirs(F(Tpm2ToolsFiles.AkPublic), F(Tpm2ToolsFiles.Message), F(Tpm2ToolsFiles.Signature), F(Tpm2ToolsFiles.Pcrs), hex));
        Assert.StartsWith("invalid: pcr.digest", Ours(F(Tpm2ToolsFiles.AkPublic), F(Tpm2ToolsFiles.Message), F(Tpm2ToolsFiles.Signature), F(Tpm2ToolsFiles.Pcrs), hex));
    }

    private static string Ours(string pub, string msg, string sig, string pcrs, string nonceHex)
    {
        var result = Tpm2ToolsFiles.Check(pub, msg, sig, pcrs, Convert.FromHexString(nonceHex), out var error);
        Assert.True(result is not null, error);
        return result!.ToString();
    }

    private static bool Theirs(string pub, string msg, string sig, string pcrs, string nonceHex) =>
        ToolRunner.Run("tpm2_checkquote", null, "-u", pub, "-m", msg, "-s", sig, "-f", pcrs, "-g", "sha256", "-q", nonceHex).ExitCode == 0;

    private string Copy(string key, string part, Action<byte[]> change, int? truncate = null)
    {
        var bytes = File.ReadAllBytes(tools.P($"{key}.{part}"));
        if (truncate is { } length)
        {
            bytes = bytes[..length];
        }

        change(bytes);
        var path = tools.P($"{key}-{Guid.NewGuid():N}.{part}");
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
