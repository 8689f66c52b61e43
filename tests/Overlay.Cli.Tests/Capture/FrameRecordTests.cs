using Overlay.Cli.Capture;
using Overlay.Common.Capture;
using Overlay.Tests.Common;

namespace Overlay.Cli.Tests.Capture;

/// <summary>The frame records of the capture stream (docs/cli.md), octet for octet as documented.</summary>
public sealed class FrameRecordTests
{
    private static readonly byte[] Octets = [.. Enumerable.Range(0, 98).Select(i => (byte)i)];

    /// <summary>2026-12-06T07:06:18.6965120Z from port 3 to the tunnel 7, one target, a 1514-octet frame.</summary>
    private static readonly byte[] Header = Convert.FromHexString(
        "18EE9851DAB59200" + "01" + "02" + "0001" + "00000003" + "00000007" + "000005EA");

    private static readonly byte[] Body = [.. Header, .. Octets];

    [Fact]
    public void A_frame_record_gives_its_time_endpoints_lengths_and_octets()
    {
        var record = new FrameRecord(1514);
        record.Read(Body);
        Assert.Equal(new DateTimeOffset(2026, 12, 6, 7, 6, 18, TimeSpan.Zero).AddTicks(6_965_120), record.Time);
        Assert.Equal((new CaptureEndpointRef(CaptureEndpointKind.Port, 3), new CaptureEndpointRef(CaptureEndpointKind.Peer, 7)), (record.In, record.Out));
        Assert.Equal((1, 1514, 98), (record.Targets, record.Length, record.Captured));
        Assert.Equal(Octets, record.Data[..98]);
    }

    [Fact]
    public void The_header_written_is_the_documented_octets()
    {
        var header = new CaptureFrameHeader(
            CaptureFrameHeader.UnixNanosecondsOf(new DateTime(2026, 12, 6, 7, 6, 18, DateTimeKind.Utc).AddTicks(6_965_120).Ticks),
            new CaptureEndpointRef(CaptureEndpointKind.Port, 3), new CaptureEndpointRef(CaptureEndpointKind.Peer, 7), 1, 1514);
        byte[] written = new byte[CaptureFrameHeader.Length];
        header.Write(written);
        Assert.Equal(Header, written);
    }

    [Theory]
    [InlineData(23, -1, 0, "header is not as documented")] // too short for the header
    [InlineData(-1, 8, 0x03, "header is not as documented")] // an unknown ingress kind
    [InlineData(-1, 9, 0x00, "header is not as documented")] // an unknown egress kind
    [InlineData(-1, 11, 0x00, "header is not as documented")] // no target
    [InlineData(-1, 20, 0x80, "header is not as documented")] // an original length above 2^31
    public void A_broken_frame_record_is_an_error(int cut, int at, byte value, string message)
    {
        byte[] body = [.. Body];
        if (at >= 0)
        {
            body[at] = value;
        }

        var record = new FrameRecord(1514);
        var error = Assert.Throws<InvalidDataException>(() => record.Read(cut >= 0 ? body[..cut] : body));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void More_octets_than_the_snap_length_or_the_frame_are_an_error()
    {
        var error = Assert.Throws<InvalidDataException>(() => new FrameRecord(64).Read(Body));
        Assert.Contains("holds 98 octets of a 1514-octet frame at a snap length of 64", error.Message, StringComparison.Ordinal);

        byte[] body = [.. Body];
        body[22] = 0;
        body[23] = 97; // a 97-octet frame cannot have 98 octets captured
        error = Assert.Throws<InvalidDataException>(() => new FrameRecord(1514).Read(body));
        Assert.Contains("holds 98 octets of a 97-octet frame", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reading_a_frame_record_allocates_nothing()
    {
        var record = new FrameRecord(1514);
        Assert.Equal(0, AllocationMeter.Measure(() => record.Read(Body)));
    }
}
