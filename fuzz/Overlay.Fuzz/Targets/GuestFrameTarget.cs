using System.Buffers.Binary;
using Overlay.DataPlane.Frames;
using Overlay.DataPlane.Offload;

namespace Overlay.Fuzz.Targets;

/// <summary>
/// A frame a guest hands its port with a virtio-net header in front (what a TAP with IFF_VNET_HDR or AF_PACKET with
/// PACKET_VNET_HDR reads): header parse, the frame check, software GSO/TSO/USO segmentation and checksum completion,
/// and the receive side's segment coalescer. An input is the 10-octet header followed by the frame. Oracles: the
/// segmenter and coalescer allocate nothing; no more than <see cref="GsoSegmenter.MaxSegments"/> segments, each no
/// longer than a header plus the MSS; every octet of the payload lands in exactly one segment, in order; each GSO
/// segment carries a valid IPv4 header checksum and a valid TCP/UDP checksum; and segments coalesced back into a
/// super-frame segment again into the same segments (round trip).
/// </summary>
public sealed class GuestFrameTarget : FuzzTarget
{
    private const int MaxFrame = SegmentCoalescer.MaxFrameLength + VirtioNetHeader.Size;

    private readonly GsoSegmenter _segmenter = new();
    private readonly GsoSegmenter _again = new();
    private readonly byte[] _segments = new byte[(GsoSegmenter.MaxSegments + 1) * 2048];
    private readonly byte[] _output = new byte[MaxFrame];
    private readonly int[] _lengths = new int[GsoSegmenter.MaxSegments + 1];

    public override string Name => "guest-frames";

    public override string TestProject => "Overlay.DataPlane.Tests";

    public override string Description => "virtio-net header + guest frame: check, GSO/TSO/USO segmentation, checksums, coalescing; payload conserved, round trip, 0 B";

    protected override void Execute(ReadOnlySpan<byte> input)
    {
        if (!VirtioNetHeader.TryParse(input, out var header) || input.Length - VirtioNetHeader.Size > MaxFrame)
        {
            return;
        }

        var frame = input[VirtioNetHeader.Size..];
        var start = Oracles.AllocatedBytes();
        EthernetFrame.Check(frame, 9000);
        var count = Segment(_segmenter, header, frame, _segments, _lengths);
        Oracles.CheckAllocation("GsoSegmenter", start, 0, 0, 0);
        if (count <= 1 || !header.IsGso || !L4Layout.TryParse(frame, out var layout))
        {
            return;
        }

        var payload = 0;
        var offset = 0;
        for (var i = 0; i < count; i++)
        {
            var segment = _segments.AsSpan(offset, _lengths[i]);
            Oracles.Check(segment.Length <= layout.HeaderLength + header.GsoSize, $"segment {i} is {segment.Length} octets, over header + MSS");
            Oracles.Check(segment[layout.HeaderLength..].SequenceEqual(frame.Slice(layout.HeaderLength + payload, segment.Length - layout.HeaderLength)),
                $"segment {i} does not carry the super-frame's payload at {payload}");
            CheckChecksums(segment, i);
            payload += segment.Length - layout.HeaderLength;
            offset += 2048;
        }

        Oracles.Check(payload == frame.Length - layout.HeaderLength, $"segments carry {payload} of {frame.Length - layout.HeaderLength} payload octets");
        Coalesce(count);
    }

    /// <summary>Segments into 2 KiB slots; the count, or 0 when the segmenter refuses or a segment does not fit.</summary>
    private static int Segment(GsoSegmenter segmenter, in VirtioNetHeader header, ReadOnlySpan<byte> frame, Span<byte> slots, Span<int> lengths)
    {
        if (!segmenter.Begin(header, frame))
        {
            return 0;
        }

        var count = 0;
        while (segmenter.HasNext)
        {
            if (count == lengths.Length)
            {
                throw new FuzzOracleException($"more than {GsoSegmenter.MaxSegments} segments");
            }

            var slot = count * 2048 < slots.Length ? slots.Slice(count * 2048, 2048) : default;
            if (!segmenter.TryNext(frame, slot, out lengths[count]))
            {
                return 0;
            }

            count++;
        }

        return count;
    }

    private void Coalesce(int count)
    {
        var coalescer = new SegmentCoalescer();
        for (var i = 0; i < count; i++)
        {
            if (!coalescer.TryAppend(_segments.AsSpan(i * 2048, _lengths[i])))
            {
                return;
            }
        }

        var merged = coalescer.TakePending();
        if (!VirtioNetHeader.TryParse(merged, out var header) || !header.IsGso)
        {
            return;
        }

        var again = new byte[_segments.Length];
        var lengths = new int[_lengths.Length];
        var n = Segment(_again, header, merged[VirtioNetHeader.Size..], again, lengths);
        Oracles.Check(n == count, $"{count} segments coalesce into a super-frame that segments into {n}");
        for (var i = 0; i < n; i++)
        {
            Oracles.SameBytes($"segment {i} after coalescing", _segments.AsSpan(i * 2048, _lengths[i]), again.AsSpan(i * 2048, lengths[i]));
        }
    }

    private static void CheckChecksums(ReadOnlySpan<byte> segment, int index)
    {
        if (!L4Layout.TryParse(segment, out var layout))
        {
            throw new FuzzOracleException($"segment {index} does not parse as IP with TCP/UDP");
        }

        var ip = segment[layout.L3Offset..];
        var l4 = segment[layout.L4Offset..];
        uint pseudo;
        if (layout.IsIPv6)
        {
            pseudo = InternetChecksum.PseudoHeaderV6(ip.Slice(8, 16), ip.Slice(24, 16), layout.Protocol, l4.Length);
        }
        else
        {
            Oracles.Check(InternetChecksum.IPv4Header(ip[..(layout.L4Offset - layout.L3Offset)]) == 0, $"segment {index}: bad IPv4 header checksum");
            pseudo = InternetChecksum.PseudoHeaderV4(ip.Slice(12, 4), ip.Slice(16, 4), layout.Protocol, l4.Length);
        }

        var field = layout.Protocol == L4Layout.ProtocolTcp ? 16 : 6;
        if (layout.Protocol == L4Layout.ProtocolUdp && BinaryPrimitives.ReadUInt16BigEndian(l4[field..]) == 0 && !layout.IsIPv6)
        {
            return; // UDP over IPv4 without a checksum
        }

        Oracles.Check(InternetChecksum.Complement(InternetChecksum.Sum(l4, pseudo)) == 0, $"segment {index}: bad {(layout.Protocol == L4Layout.ProtocolTcp ? "TCP" : "UDP")} checksum");
    }

    /// <summary>An Ethernet + IPv4 + ICMP echo request frame, as a guest's ping sends it.</summary>
    public static byte[] Icmp()
    {
        var frame = Ipv4(1, 8 + 56);
        frame[34] = 8;
        return frame;
    }

    /// <summary>An Ethernet + IPv4 + TCP frame carrying <paramref name="payload"/> octets (ACK|PSH, sequence 1000).</summary>
    public static byte[] Tcp(int payload)
    {
        var frame = Ipv4(6, 20 + payload);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(34), 40000);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(36), 5201);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(38), 1000);
        frame[46] = 5 << 4;
        frame[47] = 0x18;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(48), 502);
        for (var i = 0; i < payload; i++)
        {
            frame[54 + i] = (byte)i;
        }

        return frame;
    }

    private static byte[] Ipv4(byte protocol, int l4Length)
    {
        var frame = new byte[14 + 20 + l4Length];
        byte[] macs = [0x52, 0x54, 0, 0, 0, 2, 0x52, 0x54, 0, 0, 0, 1, 0x08, 0x00];
        macs.CopyTo(frame, 0);
        var ip = frame.AsSpan(14);
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + l4Length));
        ip[8] = 64;
        ip[9] = protocol;
        byte[] addresses = [10, 1, 0, 2, 10, 2, 0, 2];
        addresses.CopyTo(ip[12..]);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], InternetChecksum.IPv4Header(ip[..20]));
        return frame;
    }

    public override IEnumerable<(string Name, byte[] Data)> Seeds(string repositoryRoot)
    {
        // A plain frame, one whose TCP checksum the device completes, and TSO and USO super-frames.
        yield return ("icmp", [.. new byte[VirtioNetHeader.Size], .. Icmp()]);
        var tcp = Tcp(1000);
        yield return ("tcp-csum", [.. Header(VirtioNetHeader.FlagNeedsChecksum, 0, 0, 0, 34, 16), .. tcp]);
        var tso = Tcp(5000);
        yield return ("tso", [.. Header(VirtioNetHeader.FlagNeedsChecksum, VirtioNetHeader.GsoTcpV4, 54, 1448, 34, 16), .. tso]);
        var udp = Ipv4(17, 8 + 3000);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(34), 4000);
        BinaryPrimitives.WriteUInt16BigEndian(udp.AsSpan(36), 5000);
        yield return ("uso", [.. Header(VirtioNetHeader.FlagNeedsChecksum, VirtioNetHeader.GsoUdpL4, 42, 1200, 34, 6), .. udp]);
    }

    private static byte[] Header(byte flags, byte gso, ushort headerLength, ushort gsoSize, ushort start, ushort offset)
    {
        var header = new byte[VirtioNetHeader.Size];
        new VirtioNetHeader(flags, gso, headerLength, gsoSize, start, offset).Write(header);
        return header;
    }
}
