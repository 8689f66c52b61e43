using Overlay.Attest.Structures;

namespace Overlay.Attest.Tests.Structures;

public sealed class Tpm2ToolsPcrFileTests
{
    [Fact]
    public void TwoPcrFileHasTpm2ToolsSizeAndLayout()
    {
        var values = new PcrValues(PcrSelection.Sha256(10, 16), [Filled(32, 0xAA), Filled(32, 0xBB)]);
        var file = Tpm2ToolsPcrFile.Write(values);

        // 132 (TPML_PCR_SELECTION) + 4 (list count) + 532 (one TPML_DIGEST): what tpm2_quote 5.4 writes.
        Assert.Equal(668, file.Length);
        Assert.Equal(Convert.FromHexString("010000000B0003000401"), file[..10]);
        Assert.Equal(Convert.FromHexString("0100000002000000" + "2000"), file[132..142]);
        Assert.True(Tpm2ToolsPcrFile.TryParse(file, out var back, out var error), error);
        Assert.Equal(values.Selection, back.Selection);
        Assert.Equal(values.Digests, back.Digests);
    }

    [Fact]
    public void TwelvePcrsSpanTwoDigestLists()
    {
        var pcrs = Enumerable.Range(0, 12).ToArray();
        var values = new PcrValues(PcrSelection.Sha256(pcrs), pcrs.Select(i => Filled(32, (byte)i)).ToArray());
        var file = Tpm2ToolsPcrFile.Write(values);
        Assert.Equal(132 + 4 + 2 * 532, file.Length);
        Assert.True(Tpm2ToolsPcrFile.TryParse(file, out var back, out _));
        Assert.Equal(values.Digests, back.Digests);
    }

    [Fact]
    public void TruncatedOrPaddedFilesAreErrorsNotExceptions()
    {
        var file = Tpm2ToolsPcrFile.Write(new PcrValues(PcrSelection.Sha256(10), [Filled(32, 1)]));
        foreach (var length in new[] { 0, 10, 131, 135, 136, 600, file.Length - 1 })
        {
            Assert.False(Tpm2ToolsPcrFile.TryParse(file.AsSpan(0, length), out _, out var error));
            Assert.NotEmpty(error);
        }

        Assert.False(Tpm2ToolsPcrFile.TryParse([.. file, 0], out _, out _));
    }

    private static byte[] Filled(int length, byte value) => Enumerable.Repeat(value, length).ToArray();
}
