using System.Buffers.Binary;

namespace Overlay.DataPlane.Offload;

/// <summary>
/// Receive-side coalescing towards a guest (what GRO does in a NIC driver): consecutive frames of one
/// flow that came out of the tunnel in one batch are merged into one GSO super-frame with a
/// virtio_net_hdr, so the veth/TAP and the guest's stack take one packet instead of dozens.
/// <list type="bullet">
/// <item>TCP (the kernel's own TCP GRO rules): same Ethernet, IP (but the IPv4 id) and TCP headers
/// (but sequence, checksum, PSH), only ACK/PSH set, the next sequence number, every segment of the
/// first one's size but the last; PSH or a shorter segment ends the super-frame.</item>
/// <item>UDP (UDP_L4 GSO, as UDP GRO builds it): same headers but length, checksum and IPv4 id,
/// datagrams of the first one's size but the last, at most 64 of them (UDP_MAX_SEGMENTS). The guest's
/// kernel hands them to its sockets one datagram at a time.</item>
/// </list>
/// Anything else is not coalesced and goes out as it came. The buffer holds [virtio_net_hdr][frame];
/// <see cref="TakePending"/> finalizes it in place. One instance per port, used by one thread (the
/// underlay receive loop). Allocates nothing per frame.
/// </summary>
public sealed class SegmentCoalescer
{
    /// <summary>Largest super-frame: the IP length fields are 16 bits.</summary>
    public const int MaxFrameLength = 14 + 65535 - 64;

    /// <summary>UDP_MAX_SEGMENTS of older kernels: a UDP GSO frame never holds more.</summary>
    public const int MaxUdpSegments = 64;

    private readonly byte[] _buffer = GC.AllocateArray<byte>(VirtioNetHeader.Size + MaxFrameLength, pinned: true);
    private L4Layout _layout;
    private int _length;
    private int _segments;
    private int _segmentSize;
    private uint _nextSequence;
    private bool _closed;
    private bool _push;

    /// <summary>A frame (one segment or more) is held.</summary>
    public bool HasPending => _segments > 0;

    /// <summary>The held super-frame may take no more segments: send it now.</summary>
    public bool IsClosed => _closed;

    /// <summary>Frames merged into super-frames so far (a counter for status).</summary>
    public long SegmentsCoalesced { get; private set; }

    /// <summary>
    /// Takes <paramref name="frame"/> into the held super-frame (or starts one). False when the frame
    /// is not coalescible or does not continue the held one: the caller then sends the held frame (if
    /// any), and retries once or sends this one as it is.
    /// </summary>
    public bool TryAppend(ReadOnlySpan<byte> frame)
    {
        if (!IsCandidate(frame, out L4Layout layout, out int payload))
        {
            return false;
        }

        if (_segments == 0)
        {
            Start(frame, layout, payload);
            return true;
        }

        if (_closed || payload > _segmentSize || _length + payload > MaxFrameLength || layout != _layout || !SameFlowHeaders(frame))
        {
            return false;
        }

        bool tcp = layout.Protocol == L4Layout.ProtocolTcp;
        if (tcp && BinaryPrimitives.ReadUInt32BigEndian(frame[(layout.L4Offset + 4)..]) != _nextSequence)
        {
            return false;
        }

        frame[layout.HeaderLength..].CopyTo(_buffer.AsSpan(VirtioNetHeader.Size + _length));
        _length += payload;
        _segments++;
        _nextSequence += (uint)payload;
        _push |= tcp && (frame[layout.L4Offset + 13] & TcpFlags.Psh) != 0;
        _closed = payload < _segmentSize || _push || (!tcp && _segments == MaxUdpSegments);
        return true;
    }

    /// <summary>
    /// Finalizes the held frame and returns [virtio_net_hdr][frame] to send; empties the coalescer.
    /// One frame goes out untouched with an empty header; more become a GSO frame whose checksum is
    /// left partial (NEEDS_CSUM), as a NIC's GRO hands them up.
    /// </summary>
    public ReadOnlySpan<byte> TakePending()
    {
        Span<byte> frame = _buffer.AsSpan(VirtioNetHeader.Size, _length);
        VirtioNetHeader header = VirtioNetHeader.None;
        if (_segments > 1)
        {
            header = Finalize(frame);
            SegmentsCoalesced += _segments;
        }

        header.Write(_buffer);
        int total = VirtioNetHeader.Size + _length;
        _segments = 0;
        _length = 0;
        _closed = false;
        _push = false;
        return _buffer.AsSpan(0, total);
    }

    private VirtioNetHeader Finalize(Span<byte> frame)
    {
        _layout.WriteIpLength(frame, _length);
        int l4 = _layout.L4Offset;
        bool tcp = _layout.Protocol == L4Layout.ProtocolTcp;
        if (tcp && _push)
        {
            frame[l4 + 13] |= TcpFlags.Psh;
        }

        if (!tcp)
        {
            BinaryPrimitives.WriteUInt16BigEndian(frame[(l4 + 4)..], (ushort)(_length - l4));
        }

        // Partial checksum: the field holds the pseudo-header sum, the rest is the device's job.
        uint pseudo = _layout.PseudoHeader(frame, _length - l4);
        BinaryPrimitives.WriteUInt16BigEndian(frame[_layout.ChecksumFieldOffset..], (ushort)pseudo);
        byte gsoType = !tcp ? VirtioNetHeader.GsoUdpL4 : _layout.IsIPv6 ? VirtioNetHeader.GsoTcpV6 : VirtioNetHeader.GsoTcpV4;
        return new VirtioNetHeader(
            VirtioNetHeader.FlagNeedsChecksum,
            gsoType,
            (ushort)_layout.HeaderLength,
            (ushort)_segmentSize,
            (ushort)l4,
            (ushort)(_layout.ChecksumFieldOffset - l4));
    }

    private void Start(ReadOnlySpan<byte> frame, in L4Layout layout, int payload)
    {
        frame.CopyTo(_buffer.AsSpan(VirtioNetHeader.Size));
        _layout = layout;
        _length = frame.Length;
        _segments = 1;
        _segmentSize = payload;
        bool tcp = layout.Protocol == L4Layout.ProtocolTcp;
        _nextSequence = tcp ? BinaryPrimitives.ReadUInt32BigEndian(frame[(layout.L4Offset + 4)..]) + (uint)payload : 0;
        _push = tcp && (frame[layout.L4Offset + 13] & TcpFlags.Psh) != 0;
        _closed = _push;
    }

    /// <summary>
    /// A TCP segment with payload and only ACK (and PSH) set, or a UDP datagram with payload, whose IP
    /// (and UDP) lengths match the frame exactly.
    /// </summary>
    private static bool IsCandidate(ReadOnlySpan<byte> frame, out L4Layout layout, out int payload)
    {
        payload = 0;
        if (!L4Layout.TryParse(frame, out layout))
        {
            return false;
        }

        int l4 = layout.L4Offset;
        if (layout.Protocol == L4Layout.ProtocolTcp)
        {
            if ((frame[l4 + 13] & ~TcpFlags.Psh) != TcpFlags.Ack)
            {
                return false;
            }
        }
        else if (BinaryPrimitives.ReadUInt16BigEndian(frame[(l4 + 4)..]) != frame.Length - l4)
        {
            return false; // UDP length disagrees with the frame
        }

        ReadOnlySpan<byte> ip = frame[layout.L3Offset..];
        int ipLength = layout.IsIPv6
            ? L4Layout.IPv6HeaderLength + BinaryPrimitives.ReadUInt16BigEndian(ip[4..])
            : BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        if (layout.L3Offset + ipLength != frame.Length)
        {
            return false; // Ethernet padding or a lying length: leave it alone
        }

        payload = frame.Length - layout.HeaderLength;
        return payload > 0;
    }

    /// <summary>Everything but the per-segment fields equals the held frame's headers.</summary>
    private bool SameFlowHeaders(ReadOnlySpan<byte> frame)
    {
        ReadOnlySpan<byte> held = _buffer.AsSpan(VirtioNetHeader.Size, _layout.HeaderLength);
        int l3 = _layout.L3Offset;
        int l4 = _layout.L4Offset;
        if (!frame[..l3].SequenceEqual(held[..l3]))
        {
            return false;
        }

        bool ipSame = _layout.IsIPv6
            ? frame.Slice(l3, 4).SequenceEqual(held.Slice(l3, 4)) && frame.Slice(l3 + 6, 34).SequenceEqual(held.Slice(l3 + 6, 34))
            : frame.Slice(l3, 2).SequenceEqual(held.Slice(l3, 2)) && frame.Slice(l3 + 6, 4).SequenceEqual(held.Slice(l3 + 6, 4))
                && frame.Slice(l3 + 12, l4 - l3 - 12).SequenceEqual(held.Slice(l3 + 12, l4 - l3 - 12));
        if (!ipSame || !frame.Slice(l4, 4).SequenceEqual(held.Slice(l4, 4))) // and the ports
        {
            return false;
        }

        return _layout.Protocol != L4Layout.ProtocolTcp
            || (frame.Slice(l4 + 8, 5).SequenceEqual(held.Slice(l4 + 8, 5))        // ack, data offset
                && frame.Slice(l4 + 14, 2).SequenceEqual(held.Slice(l4 + 14, 2))   // window
                && frame[(l4 + 20)..held.Length].SequenceEqual(held[(l4 + 20)..])); // options (timestamps)
    }
}
