using Overlay.Attest.Quote;

namespace Overlay.Attest.Tests.Quote;

public sealed class EvidenceCodecTests
{
    private static Evidence Sample() => new()
    {
        Attest = [1, 2, 3],
        Signature = [4],
        AkPublic = [5, 6],
        PcrValues = [7],
        Logs = [new EvidenceLog(MeasurementSource.KernelIma, [8, 9])],
        AkCertificate = [10],
    };

    [Fact]
    public void RoundTripsEveryPart()
    {
        var encoded = EvidenceCodec.Encode(Sample());
        Assert.Equal("TVDE"u8.ToArray(), encoded[..4]);
        Assert.Equal(new byte[] { 0, 1, 0, 6 }, encoded[4..8]);
        Assert.True(EvidenceCodec.TryDecode(encoded, out var back, out var error), error);
        Assert.Equal(new byte[] { 1, 2, 3 }, back.Attest);
        Assert.Equal(MeasurementSource.KernelIma, Assert.Single(back.Logs).Source);
        Assert.Equal(new byte[] { 10 }, back.AkCertificate);
    }

    [Fact]
    public void UnknownOptionalSectionIsSkippedButCriticalIsRejected()
    {
        byte[] Append(ushort tag)
        {
            var encoded = EvidenceCodec.Encode(Sample());
            encoded[7]++; // one more section
            return [.. encoded, (byte)(tag >> 8), (byte)tag, 0, 0, 0, 1, 0xEE];
        }

        Assert.True(EvidenceCodec.TryDecode(Append(0x0100), out _, out _));
        Assert.False(EvidenceCodec.TryDecode(Append(0x8100), out _, out var error));
        Assert.Contains("critical", error);
    }

    [Fact]
    public void OtherVersionsAndDuplicatesAreRejected()
    {
        var encoded = EvidenceCodec.Encode(Sample());
        encoded[5] = 2;
        Assert.False(EvidenceCodec.TryDecode(encoded, out _, out var error));
        Assert.Contains("version 2", error);

        var twice = EvidenceCodec.Encode(Sample());
        twice[7]++;
        Assert.False(EvidenceCodec.TryDecode([.. twice, 0, 1, 0, 0, 0, 1, 0xAA], out _, out error));
        Assert.Contains("twice", error);
    }
}
