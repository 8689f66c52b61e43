using System.Buffers.Binary;
using Overlay.Attest.Quote;
using Overlay.Attest.Tests.Fixtures;

namespace Overlay.Attest.Tests.Quote;

/// <summary>
/// Evidence (TVDE) sections and the tpm2-tools file readers allocate in proportion to the octets present
/// (issue 12, item 1): a section count or a file size never sizes memory before the bytes are there.
/// </summary>
public sealed class QuoteAllocationBoundTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tvd-bounded-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>"TVDE", version 1, a section count, then <paramref name="sections"/> as they are.</summary>
    private static byte[] Evidence(ushort count, byte[] sections)
    {
        byte[] header = [.. "TVDE"u8, 0, 1, (byte)(count >> 8), (byte)count];
        return [.. header, .. sections];
    }

    private static byte[] Repeat(byte[] unit, int totalLength)
    {
        var bytes = new byte[totalLength / unit.Length * unit.Length];
        for (var i = 0; i < bytes.Length; i += unit.Length)
        {
            unit.CopyTo(bytes, i);
        }

        return bytes;
    }

    [Fact]
    public void Evidence_claiming_65535_sections_with_empty_ones_present_is_bounded()
    {
        // Empty non-critical unknown sections (6 octets each) fill 64 KiB; the count claims more.
        var data = Evidence(ushort.MaxValue, Repeat([0x01, 0x00, 0, 0, 0, 0], 65_528));
        Assert.False(EvidenceCodec.TryDecode(data, out _, out var error));
        Assert.Contains("truncated", error);
        AllocationMeter.AssertBounded(data.Length, () => EvidenceCodec.TryDecode(data, out _, out _));
    }

    [Fact]
    public void Evidence_of_one_octet_measurement_list_sections_is_bounded()
    {
        // Log sections holding only their source byte: the most list objects per octet.
        var sections = Repeat([0, 5, 0, 0, 0, 1, (byte)MeasurementSource.KernelIma], 65_527);
        var data = Evidence((ushort)(sections.Length / 7), sections);
        EvidenceCodec.TryDecode(data, out _, out var error);
        Assert.Contains("lacks", error);
        AllocationMeter.AssertBounded(data.Length, () => EvidenceCodec.TryDecode(data, out _, out _));
    }

    [Fact]
    public void Tpm2_tools_file_far_larger_than_any_tpm2_tools_output_is_refused_without_reading_it()
    {
        // A 256 MiB sparse file where quote.pcrs is expected: refused from its length.
        var pcrs = Path.Combine(_directory, "quote.pcrs");
        using (var f = File.Create(pcrs))
        {
            f.SetLength(256L << 20);
        }

        var small = Path.Combine(_directory, "small");
        File.WriteAllBytes(small, [1, 2, 3]);
        string error = string.Empty;
        var allocated = AllocationMeter.Measure(() => Tpm2ToolsFiles.Check(small, small, small, pcrs, [], out error));

        Assert.Contains("quote.pcrs", error);
        Assert.True(allocated < 1 << 20, $"{allocated} bytes allocated for a refused file");
    }

    [Fact]
    public void A_file_without_a_length_is_read_only_up_to_the_limit()
    {
        // /dev/zero reports length 0 and never ends: File.ReadAllBytes would grow until memory runs out.
        Assert.False(BoundedFile.TryReadAllBytes("/dev/zero", Tpm2ToolsFiles.MaxFileLength, out _, out var error));
        Assert.Contains("more than", error);
        var allocated = AllocationMeter.Measure(() => BoundedFile.TryReadAllBytes("/dev/zero", Tpm2ToolsFiles.MaxFileLength, out _, out _));
        Assert.True(allocated <= 3L * Tpm2ToolsFiles.MaxFileLength + 4096, $"{allocated} bytes");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4096)]
    [InlineData(Tpm2ToolsFiles.MaxFileLength)]
    public void Files_up_to_the_limit_read_whole(int length)
    {
        var path = Path.Combine(_directory, $"f{length}");
        var content = Enumerable.Range(0, length).Select(i => (byte)i).ToArray();
        File.WriteAllBytes(path, content);
        Assert.True(BoundedFile.TryReadAllBytes(path, Tpm2ToolsFiles.MaxFileLength, out var data, out var error), error);
        Assert.Equal(content, data);
        if (length > 0)
        {
            Assert.False(BoundedFile.TryReadAllBytes(path, length - 1, out _, out _));
        }
    }
}
