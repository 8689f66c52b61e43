using Overlay.Attest.Handshake;
using Overlay.Attest.Quote;

namespace Overlay.Attest.Tests.Handshake;

public sealed class ListCheckpointTests
{
    [Fact]
    public void RoundTrips()
    {
        var checkpoint = new ListCheckpoint(3, 1, new Dictionary<MeasurementSource, int> { [MeasurementSource.KernelIma] = 70_000, [MeasurementSource.Overlay] = 12 });
        var encoded = checkpoint.Encode();
        Assert.Equal("00000003" + "00000001" + "02" + "00" + "0000000c" + "01" + "00011170", Convert.ToHexStringLower(encoded));
        Assert.True(ListCheckpoint.TryDecode(encoded, out var back, out var error), error);
        Assert.Equal((3u, 1u), (back.ResetCount, back.RestartCount));
        Assert.Equal(12, back.Counts[MeasurementSource.Overlay]);
        Assert.Equal(70_000, back.Counts[MeasurementSource.KernelIma]);
    }

    [Fact]
    public void MalformedCheckpointsAreRefusedWithBoundedAllocation()
    {
        byte[] claimsMany = [0, 0, 0, 1, 0, 0, 0, 0, 255, .. new byte[5 * 8]];
        _ = ListCheckpoint.TryDecode(claimsMany, out _, out _);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.False(ListCheckpoint.TryDecode(claimsMany, out _, out var error));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1024);
        Assert.Contains("n ≤ 8", error);

        Assert.False(ListCheckpoint.TryDecode([0, 0, 0, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 2], out _, out error));
        Assert.Contains("repeated", error);
        Assert.False(ListCheckpoint.TryDecode([0, 0, 0, 1, 0, 0, 0, 0, 1, 9, 0, 0, 0, 1], out _, out error));
        Assert.Contains("unknown", error);
        Assert.False(ListCheckpoint.TryDecode([0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0x80, 0, 0, 0], out _, out error));
        for (var length = 0; length < 14; length++)
        {
            Assert.False(ListCheckpoint.TryDecode(new byte[length], out _, out _) && length != 9);
        }
    }
}
