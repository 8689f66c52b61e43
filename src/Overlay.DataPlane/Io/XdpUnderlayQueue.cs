using Overlay.DataPlane.Interop;
using Overlay.DataPlane.Pools;
using Overlay.DataPlane.Xdp;
using static Overlay.DataPlane.Interop.LinuxXdpConstants;

namespace Overlay.DataPlane.Io;

/// <summary>
/// One AF_XDP socket of the <see cref="XdpUnderlay"/>, bound to one RX queue: a receive queue of the underlay
/// group (one loop reads it) that any loop may also send through.
/// <list type="bullet">
/// <item>Receive: poll(2) only when the RX ring is empty; each frame (one descriptor, or several for a jumbo
/// frame) is checked by <see cref="XdpUnderlayFrame.Parse"/>, its UDP payload copied into the batch with the
/// source address, and its chunks handed straight back through the fill ring. A frame that is not a
/// well-formed datagram to us is dropped and counted.</item>
/// <item>Send: under one lock per socket, each slot whose destination has a resolved next hop, and whose IP
/// packet fits the MTU and a chunk, is written into a free TX chunk (template headers + payload); the
/// descriptors are kicked with sendto(2) (copy mode sends at most 32 per call: again while the kernel says
/// EAGAIN). Runs of other slots go through the kernel's UDP socket, in order.</item>
/// </list>
/// </summary>
public sealed unsafe class XdpUnderlayQueue : IUnderlayIo, IXskFrameReader
{
    /// <summary>Kicks per send call at most (copy mode: 32 descriptors each).</summary>
    private const int MaxKicks = 16;

    private readonly XdpUnderlay _owner;
    private readonly XskSocket _socket;
    private readonly UdpUnderlaySocket _kernel;
    private readonly XdpUnderlayNextHops _hops;
    private readonly int _timeoutMs;
    private readonly Lock _txLock = new();
    private ushort _ipId;
    private long _received;
    private long _malformed;
    private long _xskSent;
    private long _kernelSent;
    private bool _disposed;

    internal XdpUnderlayQueue(XdpUnderlay owner, int queue, XskSocket socket, UdpUnderlaySocket kernel, XdpUnderlayNextHops hops, TimeSpan receiveTimeout)
    {
        _owner = owner;
        Queue = queue;
        _socket = socket;
        _kernel = kernel;
        _hops = hops;
        _timeoutMs = (int)Math.Clamp(receiveTimeout.TotalMilliseconds, 1, int.MaxValue);
        _ipId = (ushort)(Random.Shared.Next() + (queue << 12));
    }

    /// <summary>The RX queue this socket is bound to.</summary>
    public int Queue { get; }

    public UdpAddress Local => _kernel.Local;

    public long Received => Volatile.Read(ref _received);

    public long Malformed => Volatile.Read(ref _malformed);

    public long XskSent => Volatile.Read(ref _xskSent);

    public long KernelSent => Volatile.Read(ref _kernelSent);

    /// <summary>Frames the kernel could not put in the RX ring (full, no fill buffer) and TX descriptors it refused.</summary>
    public long KernelDrops => _socket.KernelDrops(_owner.Interface);

    public int Receive(MessageBatch batch)
    {
        int slots = _socket.Receive(batch, _timeoutMs, this, out int malformed);
        if (slots >= 0)
        {
            _received += slots;
            _malformed += malformed;
        }

        return slots;
    }

    /// <summary>
    /// Parses descriptors first..last (one frame) and copies the UDP payload into slot <paramref name="slot"/>, with
    /// the datagram's source; null when the frame is not a datagram to us (counted malformed), false when the
    /// payload did not fit.
    /// </summary>
    bool? IXskFrameReader.Read(uint first, uint last, MessageBatch batch, int slot)
    {
        XskRing rx = _socket.Rx;
        int frameLength = 0;
        for (uint d = first; d <= last; d++)
        {
            frameLength += (int)((xdp_desc*)rx.Peek(d))->len;
        }

        var head = (xdp_desc*)rx.Peek(first);
        var headBytes = new ReadOnlySpan<byte>(_socket.Umem + head->addr, (int)head->len);
        bool? result = null;
        if (XdpUnderlayFrame.Parse(headBytes, frameLength, Local, out int payloadLength, out UdpAddress source) == XdpUnderlayFrameResult.Accepted)
        {
            PacketBuffer buffer = batch[slot];
            Span<byte> data = buffer.Data;
            int wanted = Math.Min(payloadLength, data.Length);
            int length = 0;
            int skip = XdpUnderlayFrame.HeadersLength;
            for (uint d = first; d <= last && length < wanted; d++)
            {
                var desc = (xdp_desc*)rx.Peek(d);
                int available = (int)desc->len - skip;
                if (available > 0)
                {
                    int take = Math.Min(available, wanted - length);
                    new ReadOnlySpan<byte>(_socket.Umem + desc->addr + (uint)skip, take).CopyTo(data[length..]);
                    length += take;
                }

                skip = Math.Max(0, skip - (int)desc->len);
            }

            buffer.Length = length;
            batch.SetAddress(slot, source);
            result = length == payloadLength;
        }

        return result;
    }

    public int Send(MessageBatch batch, int start, int count)
    {
        int end = start + count;
        int sent = 0;
        int i = start;
        while (i < end)
        {
            int j = SendThroughRing(batch, i, end, out bool full);
            sent += j - i;
            if (full)
            {
                return sent > 0 ? sent : -LinuxSocketConstants.ENOBUFS;
            }

            i = j;
            while (j < end && NextHop(batch, j) is null)
            {
                j++;
            }

            if (j > i)
            {
                int r = _kernel.Send(batch, i, j - i);
                if (r <= 0)
                {
                    return sent > 0 ? sent : r;
                }

                Interlocked.Add(ref _kernelSent, r);
                sent += r;
                if (r < j - i)
                {
                    return sent;
                }

                i = j;
            }
        }

        return sent;
    }

    /// <summary>The next hop's template when slot <paramref name="index"/> can leave through the ring, else null.</summary>
    private XdpUnderlayNextHop? NextHop(MessageBatch batch, int index)
    {
        int length = batch[index].Length;
        if (length + XdpUnderlayFrame.HeadersLength > XskSocket.FrameSize
            || length + XdpUnderlayFrame.Ipv4Length + XdpUnderlayFrame.UdpLength > _hops.Mtu)
        {
            return null;
        }

        XdpUnderlayNextHop? hop = _hops.Lookup(batch.GetAddress(index).AddressNetworkOrder);
        return hop?.Template is null ? null : hop;
    }

    /// <summary>Writes slots from <paramref name="start"/> into the TX ring until one cannot go that way; returns the first slot not written.</summary>
    private int SendThroughRing(MessageBatch batch, int start, int end, out bool full)
    {
        full = false;
        int i = start;
        lock (_txLock)
        {
            if (_disposed)
            {
                full = true;
                return start;
            }

            _socket.ReapCompletions();
            for (; i < end; i++)
            {
                if (NextHop(batch, i) is not { } hop)
                {
                    break;
                }

                if (_socket.FreeTxChunks == 0 || _socket.Tx.FreeToProduce() == 0)
                {
                    _socket.Tx.Submit();
                    Kick();
                    _socket.ReapCompletions();
                    if (_socket.FreeTxChunks == 0 || _socket.Tx.FreeToProduce() == 0)
                    {
                        full = true;
                        break;
                    }
                }

                PacketBuffer payload = batch[i];
                ulong address = _socket.TakeTxChunk();
                var frame = new Span<byte>(_socket.Umem + address, XdpUnderlayFrame.HeadersLength + payload.Length);
                hop.Template!.CopyTo(frame);
                XdpUnderlayFrame.Complete(frame, hop.TemplateSum, payload.Length, batch.GetAddress(i).Port, _ipId++);
                payload.Valid.CopyTo(frame[XdpUnderlayFrame.HeadersLength..]);
                var desc = (xdp_desc*)_socket.Tx.NextToProduce();
                desc->addr = address;
                desc->len = (uint)frame.Length;
                desc->options = 0;
            }

            if (i > start)
            {
                _socket.Tx.Submit();
                Kick();
                _xskSent += i - start;
            }
        }

        return i;
    }

    /// <summary>sendto(2) until the kernel took every posted descriptor (copy mode: 32 per call) or says it cannot now.</summary>
    private void Kick()
    {
        for (int k = 0; k < MaxKicks; k++)
        {
            if (!_socket.Tx.NeedsWakeup && k > 0)
            {
                return;
            }

            int r = Interop.Interop.LibC.Kick(_socket.Fd);
            if (r != -LinuxSocketConstants.EAGAIN)
            {
                return;
            }
        }
    }

    internal void CloseSocket()
    {
        lock (_txLock)
        {
            _disposed = true;
            _socket.Dispose();
        }
    }

    public void Dispose() => _owner.Release();

    public override string ToString() => $"{_socket.Fd} queue {Queue}";
}

/// <summary>
/// The kernel's UDP socket as the last receive queue of the <see cref="XdpUnderlay"/>: it receives what the XDP
/// program passes (IKE messages fragmented by IP, datagrams while the program is not attached); its sends go
/// through the first AF_XDP queue, which hands what it cannot send back to this socket.
/// </summary>
public sealed class XdpUnderlayKernelQueue : IUnderlayIo
{
    private readonly XdpUnderlay _owner;
    private readonly UdpUnderlaySocket _kernel;
    private readonly XdpUnderlayQueue _sendThrough;

    internal XdpUnderlayKernelQueue(XdpUnderlay owner, UdpUnderlaySocket kernel, XdpUnderlayQueue sendThrough)
    {
        _owner = owner;
        _kernel = kernel;
        _sendThrough = sendThrough;
    }

    public UdpAddress Local => _kernel.Local;

    public bool CoalescesReceive => _kernel.CoalescesReceive;

    public long KernelDrops => _kernel.KernelDrops;

    public int Receive(MessageBatch batch) => _kernel.Receive(batch);

    public int Send(MessageBatch batch, int start, int count) => _sendThrough.Send(batch, start, count);

    public void Dispose() => _owner.Release();

    public override string ToString() => $"{_kernel} (kernel socket)";
}
