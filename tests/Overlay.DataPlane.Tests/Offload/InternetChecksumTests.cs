using Overlay.DataPlane.Offload;

namespace Overlay.DataPlane.Tests.Offload;

public sealed class InternetChecksumTests
{
    [Fact]
    public void Rfc1071_example_sums_to_ddf2()
    {
        // RFC 1071 §3: 00 01 f2 03 f4 f5 f6 f7 → sum 0xddf2, checksum 0x220d.
        byte[] data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        Assert.Equal(0xddf2u, InternetChecksum.Sum(data));
        Assert.Equal(0x220d, InternetChecksum.Complement(InternetChecksum.Sum(data)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(33)]
    [InlineData(1499)]
    [InlineData(65535)]
    public void Matches_the_byte_by_byte_sum_for_every_length_and_alignment(int length)
    {
        byte[] data = OffloadFrames.Payload(length + 3, seed: length);
        for (int skew = 0; skew < 3; skew++)
        {
            ReadOnlySpan<byte> slice = data.AsSpan(skew, length);
            Assert.Equal((uint)OffloadFrames.NaiveSum(slice) % 0xFFFF, InternetChecksum.Sum(slice) % 0xFFFF);
        }
    }

    [Fact]
    public void Partial_sums_combine_like_one_sum()
    {
        byte[] data = OffloadFrames.Payload(1000);
        uint whole = InternetChecksum.Sum(data);
        uint split = InternetChecksum.Sum(data.AsSpan(400), InternetChecksum.Sum(data.AsSpan(0, 400)));
        Assert.Equal(InternetChecksum.Complement(whole), InternetChecksum.Complement(split));
    }
}
