using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Frames;
using Overlay.DataPlane.Offload;

namespace Overlay.DataPlane.Tests.Frames;

/// <summary>
/// The data plane's decoders of peer and guest bytes — EtherIP and the 802.1Q tag inside an opened ESP
/// packet, virtio-net headers and the TSO/USO super-frames they describe — take every length from the
/// bytes present and allocate nothing, whatever the headers claim (issue 12, item 1). Their worst cases
/// use the largest sizes the wire allows: a 64 KiB ESP payload and a 64 KiB super-frame.
/// </summary>
public sealed class DecoderAllocationBoundTests
{
    private const int LargeInner = 65_000;

    private static long AllocatedBy(Action decode)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        decode();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    /// <summary>Authenticated ESP packets whose plaintext is <paramref name="inner"/>: what a peer holding the key can make us open.</summary>
    private static byte[][] Sealed(EspSa outbound, byte[] inner, int count)
    {
        var packets = new byte[count][];
        for (int i = 0; i < count; i++)
        {
            packets[i] = new byte[EspSa.GetSealedLength(inner.Length)];
            Assert.True(outbound.TrySeal(inner, EspConstants.NextHeaderEtherIp, packets[i], out _));
        }

        return packets;
    }

    private static byte[] Inner(byte etherIpFirst, ushort vlanId, int frameLength)
    {
        byte[] frame = TestFrames.Frame(TestFrames.B, TestFrames.A, frameLength - EthernetFrame.HeaderLength);
        var tagged = new byte[frame.Length + VlanTag.Size];
        Assert.True(VlanTag.TryInsert(frame, vlanId, tagged, out _));
        return [etherIpFirst, 0, .. tagged];
    }

    [Theory]
    [InlineData(0x00, 10, LargeInner, DropReason.BadEtherIpHeader)] // EtherIP version 0
    [InlineData(0x30, 99, LargeInner, DropReason.ForeignTag)] // another TVD's VLAN tag
    [InlineData(0x30, 10, LargeInner, DropReason.Oversized)] // a 65,000-octet frame for a 1500 MTU
    [InlineData(0x30, 10, 6, DropReason.Runt)] // a tagged frame shorter than an Ethernet header
    public void Etherip_decapsulation_of_hostile_64k_plaintext_allocates_nothing(byte etherIpFirst, ushort vlanId, int frameLength, DropReason expected)
    {
        (EspSa outbound, EspSa inbound) = TestSas.Pair(vlanId: 10);
        byte[] inner = frameLength >= EthernetFrame.HeaderLength
            ? Inner(etherIpFirst, vlanId, frameLength)
            : [etherIpFirst, 0, 0x81, 0x00, 0, 10, .. new byte[frameLength]];
        byte[][] warm = Sealed(outbound, inner, 50);
        byte[][][] measured = [Sealed(outbound, inner, 50), Sealed(outbound, inner, 50)];
        foreach (byte[] p in warm)
        {
            Assert.Equal(expected, EtherIpTunnel.Decapsulate(inbound, p, out _));
        }

        // Per packet means in every batch: the runtime's own one-time work (tiering up the loop after the warm-up, on
        // a loaded machine) may land in the first measured batch, never in both.
        long[] allocated = [.. measured.Select(batch => AllocatedBy(() =>
        {
            foreach (byte[] p in batch)
            {
                EtherIpTunnel.Decapsulate(inbound, p, out _);
            }
        }))];

        Assert.Equal(0, allocated.Min());
        Assert.Equal(150, inbound.Drops[expected]);
    }

    [Theory]
    [InlineData(1)] // 65,000 one-octet segments asked for
    [InlineData(536)] // 122 segments: the most a sane MSS gives
    [InlineData(ushort.MaxValue)] // one segment larger than the frame
    public void Gso_super_frame_of_64k_is_segmented_or_refused_without_allocating(ushort gsoSize)
    {
        byte[] frame = Offload.OffloadFrames.Tcp(Offload.OffloadFrames.Payload(LargeInner));
        var header = new VirtioNetHeader(VirtioNetHeader.FlagNeedsChecksum, VirtioNetHeader.GsoTcpV4, 66, gsoSize, 34, 16);
        var raw = new byte[VirtioNetHeader.Size];
        header.Write(raw);
        var segmenter = new GsoSegmenter();
        var output = new byte[SegmentCoalescer.MaxFrameLength];
        int segments = 0;
        void Run()
        {
            segments = 0;
            Assert.True(VirtioNetHeader.TryParse(raw, out VirtioNetHeader parsed));
            if (!segmenter.Begin(parsed, frame))
            {
                return;
            }

            while (segmenter.HasNext && segmenter.TryNext(frame, output, out _))
            {
                segments++;
            }
        }

        Run();
        long allocated = AllocatedBy(Run);

        Assert.Equal(0, allocated);
        Assert.InRange(segments, 0, GsoSegmenter.MaxSegments);
        Assert.Equal(gsoSize == 1, segments == 0);
    }

    [Fact]
    public void Coalescing_a_stream_of_segments_up_to_64k_allocates_nothing()
    {
        var coalescer = new SegmentCoalescer();
        byte[][] segments = Enumerable.Range(0, 100)
            .Select(i => Offload.OffloadFrames.Tcp(Offload.OffloadFrames.Payload(1448, i), sequence: (uint)(1000 + (i * 1448)), flags: TcpFlags.Ack, partial: false))
            .ToArray();
        void Run()
        {
            foreach (byte[] s in segments)
            {
                if (!coalescer.TryAppend(s))
                {
                    coalescer.TakePending();
                    coalescer.TryAppend(s);
                }
            }

            coalescer.TakePending();
        }

        Run();
        Assert.Equal(0, AllocatedBy(Run));
        Assert.True(coalescer.SegmentsCoalesced > 0);
    }
}
