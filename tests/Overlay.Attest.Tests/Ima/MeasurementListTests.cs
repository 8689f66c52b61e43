using Overlay.Attest.Ima;

namespace Overlay.Attest.Tests.Ima;

public sealed class MeasurementListTests
{
    private static MeasurementList Sample() => new(
    [
        ImaNgEntry.Create(10, "sha256", new byte[32], "boot_aggregate"),
        ImaNgEntry.Create(13, "sha256", Enumerable.Repeat((byte)7, 32).ToArray(), "/usr/sbin/tvd-overlayd"),
    ]);

    [Fact]
    public void BinaryLayoutMatchesTheKernel()
    {
        var binary = Sample().ToBinary();

        // pcr u32 LE | template hash[20] | u32 6 | "ima-ng" | u32 data length
        Assert.Equal(new byte[] { 10, 0, 0, 0 }, binary[..4]);
        Assert.Equal(new byte[] { 6, 0, 0, 0 }, binary[24..28]);
        Assert.Equal("ima-ng"u8.ToArray(), binary[28..34]);
        Assert.True(MeasurementList.TryParse(binary, out var back, out var error), error);
        Assert.Equal(Sample().ToAscii(), back.ToAscii());
        Assert.Equal("/usr/sbin/tvd-overlayd", back.Entries[1].Path);
    }

    [Fact]
    public void EveryTruncationIsAnError()
    {
        var binary = Sample().ToBinary();
        var firstEntryLength = Sample().Entries[0].TemplateData.Length + 38;
        for (var length = 1; length < binary.Length; length++)
        {
            if (length == firstEntryLength)
            {
                continue; // a whole first entry is a valid (shorter) list
            }

            Assert.False(MeasurementList.TryParse(binary.AsSpan(0, length), out _, out var error));
            Assert.Contains("entry", error);
        }
    }

    [Fact]
    public void HugeLengthFieldIsAnError()
    {
        var binary = Sample().ToBinary();
        binary[24] = 0xFF;
        Assert.False(MeasurementList.TryParse(binary, out _, out var error));
        Assert.Contains("name length", error);
    }

    [Fact]
    public void FileLogIsReadBackAfterRestart()
    {
        var path = Path.Combine(Path.GetTempPath(), $"tvdat-log-{Guid.NewGuid():N}");
        try
        {
            using (var log = new FileMeasurementLog(path))
            {
                foreach (var entry in Sample().Entries)
                {
                    log.Append(entry);
                }
            }

            using var reopened = new FileMeasurementLog(path);
            Assert.Equal(Sample().ToAscii(), reopened.Snapshot().ToAscii());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
