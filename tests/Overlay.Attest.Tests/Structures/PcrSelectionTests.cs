using Overlay.Attest.Structures;

namespace Overlay.Attest.Tests.Structures;

public sealed class PcrSelectionTests
{
    [Fact]
    public void ParsesTpm2ToolsSyntaxWithSeveralBanks()
    {
        Assert.True(PcrSelection.TryParse("sha1:0,1+sha256:16,10", out var selection, out _));
        Assert.Equal("sha1:0,1+sha256:10,16", selection.ToString());
        Assert.Equal(4, selection.Count);
    }

    [Theory]
    [InlineData("sha256:")]
    [InlineData("md5:1")]
    [InlineData("sha256:24")]
    [InlineData("sha256:x")]
    [InlineData("")]
    public void RejectsBadSelections(string text)
    {
        Assert.False(PcrSelection.TryParse(text, out _, out var error));
        Assert.NotEmpty(error);
    }

    [Fact]
    public void WireFormHasThreeByteBitmaps()
    {
        var wire = PcrSelection.Sha256(10, 16).ToWire();

        // count=1 | alg=0x000b | size=3 | bitmap: PCR10 = byte1 bit2, PCR16 = byte2 bit0
        Assert.Equal(Convert.FromHexString("00000001000B03000401"), wire);
        var reader = new TpmReader(wire);
        Assert.True(PcrSelection.TryRead(ref reader, out var back));
        Assert.Equal(PcrSelection.Sha256(10, 16), back);
    }

    [Fact]
    public void SelectionsDifferingInOnePcrAreNotEqual()
    {
        Assert.NotEqual(PcrSelection.Sha256(10, 13), PcrSelection.Sha256(10));
    }

    [Fact]
    public void TruncatedWireFormIsRejected()
    {
        var wire = PcrSelection.Sha256(10, 16).ToWire();
        for (var length = 0; length < wire.Length; length++)
        {
            var reader = new TpmReader(wire.AsSpan(0, length));
            Assert.False(PcrSelection.TryRead(ref reader, out _));
        }
    }
}
