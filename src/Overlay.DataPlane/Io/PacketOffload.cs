using Overlay.DataPlane.Interop;
using Overlay.DataPlane.Offload;
using Overlay.DataPlane.Pools;
using static Overlay.DataPlane.Interop.LinuxSocketConstants;

namespace Overlay.DataPlane.Io;

/// <summary>
/// The offload half of a <see cref="PacketSocketPort"/> opened with PACKET_VNET_HDR: the guest keeps
/// TSO/GSO and checksum offload on (as a virtio guest does), and this port does the device's work.
/// <list type="bullet">
/// <item>Receive: super-frames (up to 64 KiB) land in a private batch; each is cut into wire-sized,
/// checksummed frames (<see cref="GsoSegmenter"/>) in the caller's batch. A frame cut short or with an
/// offload request this host cannot honour becomes a truncated slot, which the pipeline counts as
/// oversized. Segments left over when the caller's batch is full wait for the next call.</item>
/// <item>Send: every frame carries an empty virtio_net_hdr (sendmsg with two iovecs, no copy).</item>
/// <item>Send from a tunnel: in-order TCP segments and same-sized UDP datagrams of one flow are merged
/// (<see cref="SegmentCoalescer"/>) and leave as one GSO frame at <see cref="Flush"/> (end of the
/// underlay batch) or when the flow changes.</item>
/// </list>
/// Receive runs on the port's loop, the coalescing sends on the underlay receive loop; plain sends may
/// come from any loop (they use only the stack).
/// </summary>
internal sealed unsafe class PacketOffload : IDisposable
{
    private const int RawCapacity = 16;
    private static readonly int RawBufferSize = (VirtioNetHeader.Size + SegmentCoalescer.MaxFrameLength + 63) & ~63;

    private readonly MessageBatch _raw = new(RawCapacity, RawBufferSize);
    private readonly GsoSegmenter _segmenter = new();
    private readonly SegmentCoalescer _coalescer = new();
    private readonly int[] _truncated = new int[1024];
    private int _rawCount;
    private int _cursor;
    private bool _inFrame;

    /// <summary>Guest super-frames received (GSO), and the wire-sized frames handed up (segments and single frames).</summary>
    public long SuperFramesReceived { get; private set; }

    public long SegmentsProduced { get; private set; }

    public long SegmentsCoalesced => _coalescer.SegmentsCoalesced;

    public int Receive(SafeSocketFd fd, MessageBatch batch)
    {
        int produced = 0;
        int truncated = 0;
        int capacity = Math.Min(batch.Capacity, _truncated.Length);
        while (produced < capacity)
        {
            if (_inFrame)
            {
                ReadOnlySpan<byte> frame = _raw[_cursor].Valid[VirtioNetHeader.Size..];
                while (_segmenter.HasNext && produced < capacity)
                {
                    PacketBuffer slot = batch[produced];
                    if (_segmenter.TryNext(frame, slot.Data, out int length))
                    {
                        slot.Length = length;
                        SegmentsProduced++;
                    }
                    else
                    {
                        slot.Length = 0;
                        _truncated[truncated++] = produced;
                    }

                    produced++;
                }

                if (!_segmenter.HasNext)
                {
                    _inFrame = false;
                    _cursor++;
                }

                continue;
            }

            if (_cursor < _rawCount)
            {
                if (!BeginFrame(_cursor))
                {
                    batch[produced].Length = 0;
                    _truncated[truncated++] = produced++;
                    _cursor++;
                }

                continue;
            }

            // Nothing buffered: wait for the first frame only when the caller has nothing yet.
            int flags = produced == 0 ? MSG_WAITFORONE : MSG_WAITFORONE | MSG_DONTWAIT;
            int n = Interop.Interop.LibC.RecvMmsg(fd, _raw.PrepareReceive(withAddresses: false), RawCapacity, flags);
            if (n <= 0)
            {
                if (produced == 0)
                {
                    return SocketTimeouts.CompleteReceive(batch, n);
                }

                break;
            }

            _raw.CompleteReceive(n);
            _rawCount = n;
            _cursor = 0;
        }

        batch.CompleteFilled(produced);
        for (int i = 0; i < truncated; i++)
        {
            batch.MarkTruncated(_truncated[i]);
        }

        return produced;
    }

    /// <summary>One frame with an empty virtio_net_hdr: bytes of the frame sent, or -errno.</summary>
    public static int Send(SafeSocketFd fd, ReadOnlySpan<byte> frame)
    {
        byte* header = stackalloc byte[VirtioNetHeader.Size];
        new Span<byte>(header, VirtioNetHeader.Size).Clear();
        fixed (byte* data = frame)
        {
            iovec* vectors = stackalloc iovec[2];
            vectors[0] = new iovec { iov_base = header, iov_len = VirtioNetHeader.Size };
            vectors[1] = new iovec { iov_base = data, iov_len = (nuint)frame.Length };
            var message = new msghdr { msg_iov = vectors, msg_iovlen = 2 };
            int n = Interop.Interop.LibC.SendMsg(fd, &message);
            return n < 0 ? n : Math.Max(0, n - VirtioNetHeader.Size);
        }
    }

    /// <summary>A frame from a tunnel: merged with the held TCP segments when it continues them.</summary>
    public int SendCoalescing(SafeSocketFd fd, ReadOnlySpan<byte> frame)
    {
        if (_coalescer.TryAppend(frame))
        {
            return _coalescer.IsClosed ? SendHeld(fd, frame.Length) : frame.Length;
        }

        if (_coalescer.HasPending)
        {
            int flushed = SendHeld(fd, 0);
            if (_coalescer.TryAppend(frame))
            {
                return flushed < 0 ? flushed : _coalescer.IsClosed ? SendHeld(fd, frame.Length) : frame.Length;
            }
        }

        return Send(fd, frame);
    }

    /// <summary>Sends what <see cref="SendCoalescing"/> holds; 0 when nothing was held, or -errno.</summary>
    public int Flush(SafeSocketFd fd) => _coalescer.HasPending ? SendHeld(fd, 0) : 0;

    public void Dispose() => _raw.Dispose();

    private bool BeginFrame(int index)
    {
        ReadOnlySpan<byte> raw = _raw[index].Valid;
        if (_raw.IsTruncated(index) || !VirtioNetHeader.TryParse(raw, out VirtioNetHeader header)
            || !_segmenter.Begin(header, raw[VirtioNetHeader.Size..]))
        {
            return false;
        }

        if (header.IsGso)
        {
            SuperFramesReceived++;
        }

        _inFrame = true;
        return true;
    }

    private int SendHeld(SafeSocketFd fd, int reported)
    {
        ReadOnlySpan<byte> held = _coalescer.TakePending();
        int n = Interop.Interop.LibC.Send(fd, held);
        return n < 0 ? n : reported;
    }
}
