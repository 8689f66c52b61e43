using Overlay.DataPlane.Interop;
using Overlay.DataPlane.Io;

using static Overlay.DataPlane.Interop.LinuxXdpConstants;

namespace Overlay.DataPlane.Xdp;

/// <summary>
/// An AF_XDP socket with its own UMEM, bound to one queue of one interface in copy mode with
/// need_wakeup (veth and TAP have no zero-copy) and multi-buffer: a frame larger than a chunk (a jumbo
/// MTU) arrives and leaves as several descriptors, all but the last flagged XDP_PKT_CONTD. The UMEM is <see cref="FrameCount"/> frames of
/// <see cref="FrameSize"/> bytes: the first half circulates between the fill and RX rings, the second
/// half between a free list and the TX/completion rings. Everything is mapped once at open and unmapped
/// after the socket is closed. What every user shares is here: <see cref="Receive"/> (the RX side), the TX free list
/// (<see cref="TakeTxChunk"/>, <see cref="ReapCompletions"/>) and <see cref="KernelDrops"/>; what a received frame
/// becomes, and how a frame is written for sending, live in <see cref="XdpGuestPort"/> and <see cref="XdpUnderlayQueue"/>.
/// </summary>
internal sealed unsafe class XskSocket : IDisposable
{
    public const int FrameSize = 2048;

    /// <summary>
    /// 16 MiB of UMEM per port: 4096 frames can wait in the RX ring while the port's loop seals and
    /// sends (it does both), enough for a TCP burst across a scheduling gap on a busy host.
    /// </summary>
    public const int FrameCount = 8192;

    public const uint RingSize = 4096;

    /// <summary>
    /// Most descriptors one transmitted frame may span: the kernel builds it as one skb of at most
    /// MAX_SKB_FRAGS (17) fragments plus its head (about 36 KiB; a 9000-byte MTU needs 5).
    /// </summary>
    public const int MaxFrameChunks = 18;

    private readonly List<(nint Address, nuint Length)> _mappings = [];

    // The TX half of the UMEM: chunks free for a frame to be sent; the kernel hands sent ones back (ReapCompletions).
    private readonly ulong[] _freeTx = new ulong[FrameCount / 2];
    private int _freeTxCount;

    private XskSocket(SafeSocketFd fd)
    {
        Fd = fd;
        for (int i = 0; i < _freeTx.Length; i++)
        {
            _freeTx[i] = (ulong)(FrameCount / 2 + i) * FrameSize;
        }

        _freeTxCount = _freeTx.Length;
    }

    public SafeSocketFd Fd { get; }

    public byte* Umem { get; private set; }

    public XskRing Fill { get; private set; } = null!;

    public XskRing Completion { get; private set; } = null!;

    public XskRing Rx { get; private set; } = null!;

    public XskRing Tx { get; private set; } = null!;

    /// <summary>The socket is bound in zero-copy mode (the driver DMAs into the UMEM), not copy mode.</summary>
    public bool ZeroCopy { get; private set; }

    /// <summary>
    /// Opens, registers the UMEM, maps the four rings and binds; throws <see cref="NativeSocketException"/>.
    /// With <paramref name="tryZeroCopy"/>, a zero-copy bind is tried first and copy mode used when the
    /// driver refuses it (veth, TAP and most virtual devices).
    /// </summary>
    public static XskSocket Open(int ifindex, uint queue, string subject, bool tryZeroCopy = false)
    {
        if (tryZeroCopy)
        {
            try
            {
                return OpenMode(ifindex, queue, subject, XDP_ZEROCOPY);
            }
            catch (NativeSocketException)
            {
                // no zero-copy on this driver or queue: copy mode below
            }
        }

        return OpenMode(ifindex, queue, subject, XDP_COPY);
    }

    private static XskSocket OpenMode(int ifindex, uint queue, string subject, ushort modeFlag)
    {
        SafeSocketFd fd = Interop.Interop.LibC.Socket(AF_XDP, LinuxSocketConstants.SOCK_RAW, 0, subject);
        var socket = new XskSocket(fd);
        try
        {
            socket.Setup(ifindex, queue, subject, modeFlag);
            socket.ZeroCopy = modeFlag == XDP_ZEROCOPY;
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private void Setup(int ifindex, uint queue, string subject, ushort modeFlag)
    {
        nuint umemLength = (nuint)FrameCount * FrameSize;
        Umem = Map(umemLength, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, null, 0, subject);
        var registration = new xdp_umem_reg { addr = (ulong)Umem, len = umemLength, chunk_size = FrameSize };
        Interop.Interop.LibC.SetOption(Fd, SOL_XDP, XDP_UMEM_REG, registration, subject);
        Interop.Interop.LibC.SetOption(Fd, SOL_XDP, XDP_UMEM_FILL_RING, (int)RingSize, subject);
        Interop.Interop.LibC.SetOption(Fd, SOL_XDP, XDP_UMEM_COMPLETION_RING, (int)RingSize, subject);
        Interop.Interop.LibC.SetOption(Fd, SOL_XDP, XDP_RX_RING, (int)RingSize, subject);
        Interop.Interop.LibC.SetOption(Fd, SOL_XDP, XDP_TX_RING, (int)RingSize, subject);
        Interop.Interop.LibC.GetOption(Fd, SOL_XDP, XDP_MMAP_OFFSETS, out xdp_mmap_offsets o, subject);

        Fill = MapRing(o.fr, XDP_UMEM_PGOFF_FILL_RING, sizeof(ulong), subject);
        Completion = MapRing(o.cr, XDP_UMEM_PGOFF_COMPLETION_RING, sizeof(ulong), subject);
        Rx = MapRing(o.rx, XDP_PGOFF_RX_RING, sizeof(xdp_desc), subject);
        Tx = MapRing(o.tx, XDP_PGOFF_TX_RING, sizeof(xdp_desc), subject);

        // Every RX frame goes to the kernel before binding, so the first packets already have room.
        uint rxFrames = Math.Min(RingSize, FrameCount / 2);
        for (uint i = 0; i < rxFrames; i++)
        {
            *(ulong*)Fill.NextToProduce() = (ulong)i * FrameSize;
        }

        Fill.Submit();
        var address = new sockaddr_xdp
        {
            sxdp_family = AF_XDP,
            sxdp_flags = (ushort)(modeFlag | XDP_USE_NEED_WAKEUP | XDP_USE_SG),
            sxdp_ifindex = (uint)ifindex,
            sxdp_queue_id = queue,
        };
        Interop.Interop.LibC.Bind(Fd, address, subject);
    }

    private XskRing MapRing(in xdp_ring_offset offsets, long pageOffset, int entrySize, string subject)
    {
        nuint length = (nuint)(offsets.desc + (RingSize * (ulong)entrySize));
        byte* mapping = Map(length, MAP_SHARED | MAP_POPULATE, Fd, pageOffset, subject);
        return new XskRing(mapping, offsets.producer, offsets.consumer, offsets.desc, offsets.flags, RingSize, entrySize);
    }

    private byte* Map(nuint length, int flags, SafeSocketFd? fd, long offset, string subject)
    {
        byte* p = Interop.Interop.LibC.Mmap(length, flags, fd, offset, subject);
        _mappings.Add(((nint)p, length));
        return p;
    }

    /// <summary>Closes the socket first (the kernel stops touching the rings and the UMEM), then unmaps.</summary>
    public void Dispose()
    {
        Fd.Dispose();
        foreach ((nint address, nuint length) in _mappings)
        {
            _ = Interop.Interop.LibC.Munmap((void*)address, length);
        }

        _mappings.Clear();
        Umem = null;
    }
    /// <summary>
    /// Descriptors ready on the RX ring, after waiting up to <paramref name="timeoutMs"/> for the first when there are
    /// none: their count, 0 on timeout (or a signal), or -errno when poll(2) failed.
    /// </summary>
    private int WaitForReceive(int timeoutMs)
    {
        uint available = Rx.AvailableToConsume();
        if (available != 0)
        {
            return (int)available;
        }

        int polled = Interop.Interop.LibC.Poll(Fd, POLLIN, timeoutMs);
        if (polled > 0)
        {
            return (int)Rx.AvailableToConsume();
        }

        return polled is >= 0 or -LinuxSocketConstants.EINTR ? 0 : polled;
    }

    /// <summary>
    /// Frames the kernel could not put in the RX ring (full, no fill buffer) and TX descriptors it refused, cumulative
    /// (XDP_STATISTICS); 0 once the socket is closed. <paramref name="subject"/> names it in an error.
    /// </summary>
    public long KernelDrops(string subject)
    {
        try
        {
            Interop.Interop.LibC.GetOption(Fd, SOL_XDP, XDP_STATISTICS, out xdp_statistics stats, subject);
            return (long)(stats.rx_dropped + stats.rx_ring_full + stats.tx_invalid_descs);
        }
        catch (Exception e) when (e is NativeSocketException or ObjectDisposedException)
        {
            return 0;
        }
    }

    /// <summary>TX chunks free now. The TX side (this, <see cref="TakeTxChunk"/>, <see cref="ReapCompletions"/>) is one sender at a time: the owner's TX lock.</summary>
    public int FreeTxChunks => _freeTxCount;

    /// <summary>A free TX chunk's UMEM address (check <see cref="FreeTxChunks"/> first).</summary>
    public ulong TakeTxChunk() => _freeTx[--_freeTxCount];

    /// <summary>Chunks the kernel finished transmitting (the completion ring) go back to the free list.</summary>
    public void ReapCompletions()
    {
        uint done = Completion.AvailableToConsume();
        for (uint i = 0; i < done; i++)
        {
            _freeTx[_freeTxCount++] = *(ulong*)Completion.Peek(i);
        }

        if (done > 0)
        {
            Completion.Release(done);
        }
    }

    /// <summary>
    /// One receive, as every AF_XDP receiver does it: waits (<see cref="WaitForReceive"/>), hands each whole frame of
    /// the RX ring to <paramref name="reader"/> for the next free slot of <paramref name="batch"/>, returns every
    /// consumed descriptor's chunk through the fill ring (it holds as many entries as there are RX chunks) and marks
    /// the slots whose frame was cut. The slots filled (0 on timeout, -errno when poll(2) failed);
    /// <paramref name="rejected"/>: frames consumed that the reader did not take.
    /// </summary>
    public int Receive<TReader>(MessageBatch batch, int timeoutMs, TReader reader, out int rejected)
        where TReader : IXskFrameReader
    {
        rejected = 0;
        int ready = WaitForReceive(timeoutMs);
        if (ready <= 0)
        {
            batch.Count = 0;
            return ready;
        }

        uint available = (uint)ready;
        Span<bool> truncated = stackalloc bool[batch.Capacity];
        uint consumed = 0;
        int slots = 0;
        while (consumed < available && slots < batch.Capacity)
        {
            uint last = FrameEnd(consumed, available);
            if (last == available)
            {
                break; // the frame's last descriptor is not visible yet: the next call takes the whole frame
            }

            switch (reader.Read(consumed, last, batch, slots))
            {
                case null:
                    rejected++;
                    break;
                case bool whole:
                    truncated[slots++] = !whole;
                    break;
            }

            for (uint d = consumed; d <= last; d++)
            {
                // Aligned UMEM: the chunk's start is the address rounded down to the chunk size.
                *(ulong*)Fill.NextToProduce() = ((xdp_desc*)Rx.Peek(d))->addr & ~((ulong)FrameSize - 1);
            }

            consumed = last + 1;
        }

        Fill.Submit();
        Rx.Release(consumed);
        batch.CompleteFilled(slots);
        for (int i = 0; i < slots; i++)
        {
            if (truncated[i])
            {
                batch.MarkTruncated(i); // longer than a packet buffer: the caller counts it oversized
            }
        }

        return slots;
    }

    /// <summary>
    /// The index of the last descriptor of the frame whose first is <paramref name="first"/>: a frame is one
    /// descriptor, or several (multi-buffer, a jumbo MTU) of which all but the last carry XDP_PKT_CONTD, and the
    /// kernel publishes a frame's descriptors together. <paramref name="available"/> when the frame's last
    /// descriptor is not visible yet (the next receive takes the whole frame).
    /// </summary>
    private uint FrameEnd(uint first, uint available)
    {
        uint last = first;
        while (last < available && (((xdp_desc*)Rx.Peek(last))->options & XDP_PKT_CONTD) != 0)
        {
            last++;
        }

        return last;
    }
}

/// <summary>What one AF_XDP receiver makes of a frame of its RX ring, for <see cref="XskSocket.Receive"/>.</summary>
internal interface IXskFrameReader
{
    /// <summary>
    /// Copies the frame of RX descriptors <paramref name="first"/>..<paramref name="last"/> into slot
    /// <paramref name="slot"/> of <paramref name="batch"/> (the chunks go back to the fill ring afterwards, not here).
    /// </summary>
    /// <returns>True: taken whole; false: taken but cut to the slot's size; null: not taken (the slot stays free).</returns>
    bool? Read(uint first, uint last, MessageBatch batch, int slot);
}
