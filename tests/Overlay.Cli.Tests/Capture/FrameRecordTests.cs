using System.Text;
using Overlay.Cli.Capture;
using Overlay.Tests.Common;

namespace Overlay.Cli.Tests.Capture;

/// <summary>The frame lines of the capture stream (docs/cli.md), as the daemon writes them.</summary>
public sealed class FrameRecordTests
{
    private static readonly byte[] Octets = [.. Enumerable.Range(0, 98).Select(i => (byte)i)];

    private static readonly byte[] Line = Encoding.UTF8.GetBytes(
        "{\"frame\":{\"time\":\"2026-12-06T07:06:18.696512Z\",\"in\":{\"kind\":\"port\",\"name\":\"h1red\"}," +
        "\"out\":{\"kind\":\"peer\",\"name\":\"h2\"},\"targets\":1,\"length\":1514,\"data\":\"" + Convert.ToBase64String(Octets) + "\"}}");

    [Fact]
    public void A_frame_line_gives_its_time_endpoints_lengths_and_octets()
    {
        var record = new FrameRecord(1514);
        Assert.True(record.TryRead(Line, names: true));
        Assert.Equal(new DateTimeOffset(2026, 12, 6, 7, 6, 18, TimeSpan.Zero).AddTicks(6_965_120), record.Time);
        Assert.Equal((new CaptureEndpoint("port", "h1red"), new CaptureEndpoint("peer", "h2")), (record.In, record.Out));
        Assert.Equal((1, 1514, 98), (record.Targets, record.Length, record.Captured));
        Assert.Equal(Octets, record.Data[..98]);
    }

    [Fact]
    public void The_summary_is_not_a_frame_and_a_broken_frame_is_an_error()
    {
        var record = new FrameRecord(64);
        Assert.False(record.TryRead("{\"summary\":{\"frames\":1}}"u8, names: true));
        Assert.Throws<InvalidDataException>(() => record.TryRead("{\"frame\":{\"time\":\"2026-12-06T07:06:18Z\"}}"u8, names: true));
        Assert.Throws<InvalidDataException>(() => record.TryRead(Line, names: true)); // 98 octets do not fit a 64-octet snap length
    }

    [Fact]
    public void Reading_a_frame_without_names_allocates_nothing()
    {
        var record = new FrameRecord(1514);
        Assert.Equal(0, AllocationMeter.Measure(() => record.TryRead(Line, names: false)));
    }
}
