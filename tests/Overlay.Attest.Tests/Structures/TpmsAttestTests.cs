using Overlay.Attest.Structures;

namespace Overlay.Attest.Tests.Structures;

public sealed class TpmsAttestTests
{
    internal static byte[] BuildQuote(uint magic = TpmConstants.GeneratedValue, ushort type = TpmConstants.StAttestQuote,
        byte[]? nonce = null, PcrSelection? selection = null, byte[]? digest = null, ulong clock = 1000)
    {
        var w = new TpmWriter();
        w.WriteU32(magic);
        w.WriteU16(type);
        w.Write2B(Convert.FromHexString("000B" + new string('1', 64)));
        w.Write2B(nonce ?? [1, 2, 3]);
        w.WriteU64(clock);
        w.WriteU32(5);
        w.WriteU32(7);
        w.WriteU8(1);
        w.WriteU64(0x2019102300163636);
        (selection ?? PcrSelection.Sha256(13)).Write(w);
        w.Write2B(digest ?? new byte[32]);
        return w.ToArray();
    }

    [Fact]
    public void ParsesEveryField()
    {
        Assert.True(TpmsAttest.TryParse(BuildQuote(nonce: [9, 9]), out var attest, out var error), error);
        Assert.Equal(TpmConstants.GeneratedValue, attest.Magic);
        Assert.Equal(new byte[] { 9, 9 }, attest.ExtraData);
        Assert.Equal(1000ul, attest.Clock);
        Assert.Equal(5u, attest.ResetCount);
        Assert.Equal(7u, attest.RestartCount);
        Assert.True(attest.Safe);
        Assert.Equal(PcrSelection.Sha256(13), attest.QuotedSelection);
        Assert.Equal(32, attest.PcrDigest!.Length);
    }

    [Fact]
    public void EveryTruncationIsReportedNotThrown()
    {
        var quote = BuildQuote();
        for (var length = 0; length < quote.Length; length++)
        {
            Assert.False(TpmsAttest.TryParse(quote.AsSpan(0, length), out _, out var error));
            Assert.NotEmpty(error);
        }
    }

    [Fact]
    public void TrailingBytesAreRejected()
    {
        Assert.False(TpmsAttest.TryParse([.. BuildQuote(), 0], out _, out var error));
        Assert.Contains("after", error);
    }
}
