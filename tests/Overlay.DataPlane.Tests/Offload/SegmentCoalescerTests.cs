using System.Buffers.Binary;
using Overlay.DataPlane.Offload;

namespace Overlay.DataPlane.Tests.Offload;

public sealed class SegmentCoalescerTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Segments_merge_into_a_gso_frame_that_segments_back_into_the_same_segments(bool v6)
    {
        int l4 = v6 ? 54 : 34;
        byte[] super = OffloadFrames.Tcp(OffloadFrames.Payload(20000), 5000, TcpFlags.Ack | TcpFlags.Psh, v6);
        var gso = new VirtioNetHeader(1, v6 ? VirtioNetHeader.GsoTcpV6 : VirtioNetHeader.GsoTcpV4, (ushort)(l4 + 32), 1448, (ushort)l4, 16);
        List<byte[]> segments = GsoSegmenterTests.Segment(gso, super);
        var coalescer = new SegmentCoalescer();

        foreach (byte[] segment in segments)
        {
            Assert.True(coalescer.TryAppend(segment));
        }

        Assert.True(coalescer.IsClosed); // PSH on the last segment ends it
        byte[] merged = coalescer.TakePending().ToArray();
        Assert.False(coalescer.HasPending);
        Assert.True(VirtioNetHeader.TryParse(merged, out VirtioNetHeader header));
        Assert.Equal(gso.GsoType, header.GsoType);
        Assert.Equal(1448, header.GsoSize);
        Assert.Equal(l4, header.ChecksumStart);
        Assert.Equal(16, header.ChecksumOffset);
        Assert.True(header.NeedsChecksum);
        Assert.Equal(segments.Count, coalescer.SegmentsCoalesced);

        List<byte[]> again = GsoSegmenterTests.Segment(header, merged[VirtioNetHeader.Size..]);
        Assert.Equal(segments.Count, again.Count);
        for (int i = 0; i < segments.Count; i++)
        {
            Assert.Equal(segments[i], again[i]);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Udp_datagrams_of_one_size_merge_into_a_udp_l4_frame_that_segments_back_into_them(bool v6)
    {
        int l4 = v6 ? 54 : 34;
        List<byte[]> datagrams = [.. Enumerable.Range(0, 10).Select(i => OffloadFrames.Udp(OffloadFrames.Payload(1200, seed: i), v6, partial: false)),
            OffloadFrames.Udp(OffloadFrames.Payload(300, seed: 99), v6, partial: false)];
        var coalescer = new SegmentCoalescer();
        Assert.All(datagrams, d => Assert.True(coalescer.TryAppend(d)));
        Assert.True(coalescer.IsClosed); // the shorter one is the last
        Assert.False(coalescer.TryAppend(datagrams[0]));

        byte[] merged = coalescer.TakePending().ToArray();
        Assert.True(VirtioNetHeader.TryParse(merged, out VirtioNetHeader header));
        Assert.Equal(VirtioNetHeader.GsoUdpL4, header.GsoType);
        Assert.Equal(1200, header.GsoSize);
        Assert.Equal(6, header.ChecksumOffset);

        List<byte[]> again = GsoSegmenterTests.Segment(header, merged[VirtioNetHeader.Size..]);
        Assert.Equal(datagrams.Count, again.Count);
        for (int i = 0; i < again.Count; i++)
        {
            Assert.True(OffloadFrames.ChecksumsValid(again[i]));
            Assert.Equal(datagrams[i].AsSpan(l4).ToArray(), again[i].AsSpan(l4).ToArray()); // UDP header and payload
        }
    }

    [Fact]
    public void A_udp_super_frame_stops_at_64_datagrams()
    {
        var coalescer = new SegmentCoalescer();
        int appended = 0;
        while (coalescer.TryAppend(OffloadFrames.Udp(OffloadFrames.Payload(200), partial: false)))
        {
            appended++;
            if (coalescer.IsClosed)
            {
                break;
            }
        }

        Assert.Equal(SegmentCoalescer.MaxUdpSegments, appended);
    }

    [Fact]
    public void One_segment_goes_out_unchanged_with_an_empty_header()
    {
        byte[] segment = OffloadFrames.Tcp(OffloadFrames.Payload(500), partial: false);
        var coalescer = new SegmentCoalescer();
        Assert.True(coalescer.TryAppend(segment));
        byte[] sent = coalescer.TakePending().ToArray();
        Assert.Equal(new byte[VirtioNetHeader.Size], sent[..VirtioNetHeader.Size]);
        Assert.Equal(segment, sent[VirtioNetHeader.Size..]);
    }

    [Fact]
    public void Segments_that_do_not_continue_the_flow_are_refused()
    {
        byte[] Make(uint seq, byte flags = TcpFlags.Ack, ushort port = 40000, uint tsval = 0xAABBCCDD, int length = 1000) =>
            OffloadFrames.Tcp(OffloadFrames.Payload(length), seq, flags, partial: false, tsval: tsval, sourcePort: port);

        var coalescer = new SegmentCoalescer();
        Assert.True(coalescer.TryAppend(Make(1000)));
        Assert.False(coalescer.TryAppend(Make(3000)));                       // a gap
        Assert.False(coalescer.TryAppend(Make(2000, port: 40001)));          // another flow
        Assert.False(coalescer.TryAppend(Make(2000, tsval: 1)));             // other options
        Assert.False(coalescer.TryAppend(Make(2000, TcpFlags.Ack | TcpFlags.Fin)));
        Assert.False(coalescer.TryAppend(Make(2000, length: 1001)));         // larger than the first
        Assert.True(coalescer.TryAppend(Make(2000, length: 400)));           // shorter: the last one
        Assert.True(coalescer.IsClosed);
        Assert.False(coalescer.TryAppend(Make(2400)));
        Assert.False(coalescer.TryAppend(Make(1, TcpFlags.Syn)));
        Assert.False(coalescer.TryAppend(OffloadFrames.Udp(OffloadFrames.Payload(100))));
        byte[] merged = coalescer.TakePending().ToArray();
        Assert.Equal(14 + 20 + 32 + 1400, merged.Length - VirtioNetHeader.Size);
        Assert.Equal(20 + 32 + 1400, BinaryPrimitives.ReadUInt16BigEndian(merged.AsSpan(VirtioNetHeader.Size + 16)));
    }

    [Fact]
    public void A_pure_ack_or_a_padded_frame_is_not_a_candidate()
    {
        var coalescer = new SegmentCoalescer();
        Assert.False(coalescer.TryAppend(OffloadFrames.Tcp([], flags: TcpFlags.Ack, partial: false)));
        byte[] padded = [.. OffloadFrames.Tcp(OffloadFrames.Payload(2), flags: TcpFlags.Ack, partial: false), 0, 0, 0, 0];
        Assert.False(coalescer.TryAppend(padded));
        Assert.False(coalescer.HasPending);
    }

    [Fact]
    public void The_super_frame_stops_below_64_KiB()
    {
        var coalescer = new SegmentCoalescer();
        uint seq = 1;
        int appended = 0;
        while (coalescer.TryAppend(OffloadFrames.Tcp(OffloadFrames.Payload(1448), seq, TcpFlags.Ack, partial: false)))
        {
            seq += 1448;
            appended++;
        }

        Assert.Equal(45, appended); // 66 + 45 * 1448 = 65,226 ≤ 65,485; a 46th would not fit
        Assert.True(coalescer.TakePending().Length <= VirtioNetHeader.Size + SegmentCoalescer.MaxFrameLength);
    }
}
