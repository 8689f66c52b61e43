using System.Security.Cryptography;
using Overlay.Attest.Handshake;

namespace Overlay.Attest.Tests.Handshake;

public sealed class ListCompressionTests
{
    [Theory]
    [InlineData(ListCodec.None)]
    [InlineData(ListCodec.Brotli)]
    public void OutputExactlyAtTheLimitPassesOneByteMoreFails(ListCodec codec)
    {
        var raw = RandomNumberGenerator.GetBytes(10_000);
        var compressed = ListCompression.Compress(raw, codec);
        Assert.True(ListCompression.TryDecompress(compressed, codec, raw.Length, out var back, out var error), error);
        Assert.Equal(raw, back.ToArray());
        Assert.False(ListCompression.TryDecompress(compressed, codec, raw.Length - 1, out _, out error));
        Assert.Contains("limit", error);
    }

    [Fact]
    public void CorruptTruncatedAndTrailingBrotliIsRefused()
    {
        var compressed = ListCompression.Compress(RandomNumberGenerator.GetBytes(5000), ListCodec.Brotli);
        Assert.False(ListCompression.TryDecompress(compressed[..^10], ListCodec.Brotli, 1 << 20, out _, out var error));
        Assert.Contains("truncated", error);
        Assert.False(ListCompression.TryDecompress([.. compressed, 0], ListCodec.Brotli, 1 << 20, out _, out error));
        Assert.Contains("after the end", error);
        Assert.False(ListCompression.TryDecompress(RandomNumberGenerator.GetBytes(100), ListCodec.Brotli, 1 << 20, out _, out _));
        Assert.False(ListCompression.TryDecompress([1], (ListCodec)9, 1 << 20, out _, out error));
        Assert.Contains("unknown list codec", error);
    }
}
