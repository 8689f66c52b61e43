using System.Buffers.Binary;
using Overlay.DataPlane.Offload;

namespace Overlay.DataPlane.Tests.Offload;

public sealed class GsoSegmenterTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Tcp_super_frame_becomes_valid_mss_segments(bool v6)
    {
        byte[] payload = OffloadFrames.Payload(5000);
        uint start = 4_294_966_000; // the sequence numbers wrap inside the super-frame
        byte[] frame = OffloadFrames.Tcp(payload, start, TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Fin | TcpFlags.Cwr, v6);
        int l4 = v6 ? 54 : 34;
        var header = new VirtioNetHeader(VirtioNetHeader.FlagNeedsChecksum,
            (byte)((v6 ? VirtioNetHeader.GsoTcpV6 : VirtioNetHeader.GsoTcpV4) | VirtioNetHeader.GsoEcn), (ushort)(l4 + 32), 1448, (ushort)l4, 16);

        List<byte[]> segments = Segment(header, frame);

        Assert.Equal([1448, 1448, 1448, 656], segments.Select(s => s.Length - l4 - 32));
        Assert.Equal(payload, segments.SelectMany(s => s.Skip(l4 + 32)).ToArray());
        for (int i = 0; i < segments.Count; i++)
        {
            byte[] s = segments[i];
            Assert.True(OffloadFrames.ChecksumsValid(s), $"segment {i} checksums");
            Assert.Equal(unchecked(start + (uint)(i * 1448)), BinaryPrimitives.ReadUInt32BigEndian(s.AsSpan(l4 + 4)));
            bool last = i == segments.Count - 1;
            byte expected = (byte)(TcpFlags.Ack | (last ? TcpFlags.Psh | TcpFlags.Fin : 0) | (i == 0 ? TcpFlags.Cwr : 0));
            Assert.Equal(expected, s[l4 + 13]);
            Assert.Equal(frame.AsSpan(l4 + 20, 12).ToArray(), s.AsSpan(l4 + 20, 12).ToArray()); // options kept
            if (v6)
            {
                Assert.Equal(s.Length - 54, BinaryPrimitives.ReadUInt16BigEndian(s.AsSpan(18)));
            }
            else
            {
                Assert.Equal(s.Length - 14, BinaryPrimitives.ReadUInt16BigEndian(s.AsSpan(16)));
                Assert.Equal(0x1234 + i, BinaryPrimitives.ReadUInt16BigEndian(s.AsSpan(18)));
            }
        }
    }

    [Fact]
    public void Udp_l4_super_frame_becomes_datagrams_with_their_own_lengths_and_checksums()
    {
        byte[] payload = OffloadFrames.Payload(3000);
        byte[] frame = OffloadFrames.Udp(payload);
        var header = new VirtioNetHeader(VirtioNetHeader.FlagNeedsChecksum, VirtioNetHeader.GsoUdpL4, 42, 1200, 34, 6);

        List<byte[]> datagrams = Segment(header, frame);

        Assert.Equal([1200, 1200, 600], datagrams.Select(d => d.Length - 42));
        Assert.All(datagrams, d => Assert.True(OffloadFrames.ChecksumsValid(d)));
        Assert.All(datagrams, d => Assert.Equal(d.Length - 34, BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(38))));
        Assert.Equal(payload, datagrams.SelectMany(d => d.Skip(42)).ToArray());
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void A_single_frame_left_for_the_device_gets_its_checksum(bool v6, bool udp)
    {
        byte[] frame = udp ? OffloadFrames.Udp(OffloadFrames.Payload(333), v6) : OffloadFrames.Tcp(OffloadFrames.Payload(1000), v6: v6);
        int l4 = v6 ? 54 : 34;
        Assert.False(OffloadFrames.ChecksumsValid(frame));
        var header = new VirtioNetHeader(VirtioNetHeader.FlagNeedsChecksum, VirtioNetHeader.GsoNone, 0, 0, (ushort)l4, (ushort)(udp ? 6 : 16));

        List<byte[]> output = Segment(header, frame);

        byte[] only = Assert.Single(output);
        Assert.True(OffloadFrames.ChecksumsValid(only));
        Assert.Equal(frame.Length, only.Length);
    }

    [Fact]
    public void A_frame_without_offload_passes_unchanged()
    {
        byte[] frame = OffloadFrames.Tcp(OffloadFrames.Payload(100), partial: false);
        Assert.Equal(frame, Assert.Single(Segment(VirtioNetHeader.None, frame)));
    }

    [Theory]
    [InlineData(VirtioNetHeader.GsoUdp, 1400)]     // UFO: never offered to guests
    [InlineData(VirtioNetHeader.GsoTcpV6, 1400)]   // says v6, carries v4
    [InlineData(VirtioNetHeader.GsoTcpV4, 0)]      // no segment size
    [InlineData(0x33, 1400)]                      // unknown type
    public void Offload_requests_that_cannot_be_honoured_are_refused(byte gsoType, int gsoSize)
    {
        byte[] frame = OffloadFrames.Tcp(OffloadFrames.Payload(3000));
        var header = new VirtioNetHeader(VirtioNetHeader.FlagNeedsChecksum, gsoType, 66, (ushort)gsoSize, 34, 16);
        Assert.False(new GsoSegmenter().Begin(header, frame));
    }

    [Fact]
    public void A_super_frame_that_would_become_more_than_128_segments_is_refused()
    {
        byte[] frame = OffloadFrames.Tcp(OffloadFrames.Payload(60000));
        var segmenter = new GsoSegmenter();
        Assert.False(segmenter.Begin(new VirtioNetHeader(1, VirtioNetHeader.GsoTcpV4, 66, 1, 34, 16), frame));      // 60,000 segments
        Assert.False(segmenter.Begin(new VirtioNetHeader(1, VirtioNetHeader.GsoTcpV4, 66, 468, 34, 16), frame));    // 129
        Assert.True(segmenter.Begin(new VirtioNetHeader(1, VirtioNetHeader.GsoTcpV4, 66, 469, 34, 16), frame));     // 128
    }

    [Fact]
    public void A_checksum_position_outside_the_frame_is_refused_and_truncated_headers_too()
    {
        byte[] frame = OffloadFrames.Tcp(OffloadFrames.Payload(10));
        var segmenter = new GsoSegmenter();
        Assert.False(segmenter.Begin(new VirtioNetHeader(VirtioNetHeader.FlagNeedsChecksum, 0, 0, 0, (ushort)(frame.Length - 1), 16), frame));
        var gso = new VirtioNetHeader(VirtioNetHeader.FlagNeedsChecksum, VirtioNetHeader.GsoTcpV4, 66, 1400, 34, 16);
        Assert.False(segmenter.Begin(gso, frame.AsSpan(0, 40)));
        Assert.False(segmenter.Begin(gso, frame.AsSpan(0, 66))); // headers only, no payload
    }

    [Fact]
    public void A_segment_that_does_not_fit_the_output_is_reported_and_skipped()
    {
        byte[] frame = OffloadFrames.Tcp(OffloadFrames.Payload(3000));
        var segmenter = new GsoSegmenter();
        Assert.True(segmenter.Begin(new VirtioNetHeader(1, VirtioNetHeader.GsoTcpV4, 66, 1448, 34, 16), frame));
        Assert.False(segmenter.TryNext(frame, new byte[100], out _));
        Assert.True(segmenter.TryNext(frame, new byte[2048], out int length));
        Assert.Equal(66 + 1448, length);
    }

    [Fact]
    public void Segmenting_allocates_nothing()
    {
        byte[] frame = OffloadFrames.Tcp(OffloadFrames.Payload(60000));
        var header = new VirtioNetHeader(1, VirtioNetHeader.GsoTcpV4, 66, 1448, 34, 16);
        var segmenter = new GsoSegmenter();
        byte[] output = new byte[2048];
        Run();
        long least = long.MaxValue; // least of a few rounds: JIT tiering may allocate on this thread once
        for (int round = 0; round < 5 && least > 0; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 100; i++)
            {
                Run();
            }

            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, least);

        void Run()
        {
            segmenter.Begin(header, frame);
            while (segmenter.HasNext)
            {
                segmenter.TryNext(frame, output, out _);
            }
        }
    }

    internal static List<byte[]> Segment(in VirtioNetHeader header, byte[] frame)
    {
        var segmenter = new GsoSegmenter();
        Assert.True(segmenter.Begin(header, frame));
        var segments = new List<byte[]>();
        byte[] output = new byte[2048];
        while (segmenter.HasNext)
        {
            Assert.True(segmenter.TryNext(frame, output, out int length));
            segments.Add(output[..length]);
        }

        return segments;
    }
}
