using Overlay.DataPlane.Interop;
using Overlay.DataPlane.Xdp;
using static Overlay.DataPlane.Interop.LinuxXdpConstants;

namespace Overlay.DataPlane.Io;

/// <summary>
/// A guest port on an AF_XDP socket (CONVENTIONS 19): the port's XDP program redirects every frame of
/// queue 0 into the socket's RX ring, in the driver when the device allows it, so frames never enter
/// the host's stack or an skb-based socket queue. Copy mode (veth and TAP have no zero-copy), need_wakeup.
/// <list type="bullet">
/// <item>Receive: poll(2) only when the RX ring is empty, then copy each descriptor's frame into the
/// batch and hand the frame straight back through the fill ring;</item>
/// <item>Send: copy into a free TX frame, post the descriptor, sendto(2) kick when the kernel asks for
/// it; completed frames return to the free list. Sends may come from several loops: one lock.</item>
/// </list>
/// The interface needs one RX queue (veth: numrxqueues 1; a TAP has one), or frames on other queues
/// pass to the kernel stack unseen. Disposing detaches the program (the link closes) before the socket
/// closes and the rings are unmapped.
/// </summary>
public sealed unsafe class XdpGuestPort : IGuestPortIo
{
    private const uint Queue = 0;
    private readonly XskSocket _socket;
    private readonly XdpAttachment _attachment;
    private readonly int _timeoutMs;
    private readonly Lock _txLock = new();
    private readonly ulong[] _freeTx;
    private int _freeTxCount;

    private XdpGuestPort(string interfaceName, XskSocket socket, XdpAttachment attachment, TimeSpan receiveTimeout)
    {
        Interface = interfaceName;
        _socket = socket;
        _attachment = attachment;
        _timeoutMs = (int)Math.Clamp(receiveTimeout.TotalMilliseconds, 1, int.MaxValue);
        _freeTx = new ulong[XskSocket.FrameCount / 2];
        for (int i = 0; i < _freeTx.Length; i++)
        {
            _freeTx[i] = (ulong)(XskSocket.FrameCount / 2 + i) * XskSocket.FrameSize;
        }

        _freeTxCount = _freeTx.Length;
    }

    public string Interface { get; }

    public string Kind => "af_xdp";

    /// <summary>Frames the kernel could not put in the RX ring (ring full, no fill buffer): cumulative.</summary>
    public long KernelDrops
    {
        get
        {
            try
            {
                Interop.Interop.LibC.GetOption(_socket.Fd, LinuxXdpConstants.SOL_XDP, LinuxXdpConstants.XDP_STATISTICS, out xdp_statistics stats, Interface);
                return (long)(stats.rx_dropped + stats.rx_ring_full);
            }
            catch (Exception e) when (e is NativeSocketException or ObjectDisposedException)
            {
                return 0;
            }
        }
    }

    /// <summary>Native (driver) or generic XDP.</summary>
    public XdpAttachMode Mode => _attachment.Mode;

    /// <summary>Opens the socket and attaches the program; throws <see cref="NativeSocketException"/> (no such interface, no CAP_NET_ADMIN/CAP_BPF, no AF_XDP).</summary>
    public static XdpGuestPort Open(string interfaceName, TimeSpan receiveTimeout)
    {
        int index = Interop.Interop.LibC.InterfaceIndex(interfaceName);
        string subject = $"xdp {interfaceName}";
        XskSocket socket = XskSocket.Open(index, Queue, subject);
        try
        {
            XdpAttachment attachment = XdpAttachment.Attach(index, Queue, socket.Fd, subject);
            return new XdpGuestPort(interfaceName, socket, attachment, receiveTimeout);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public int Receive(MessageBatch batch)
    {
        XskRing rx = _socket.Rx;
        uint available = rx.AvailableToConsume();
        if (available == 0)
        {
            int polled = Interop.Interop.LibC.Poll(_socket.Fd, POLLIN, _timeoutMs);
            available = polled > 0 ? rx.AvailableToConsume() : 0;
            if (available == 0)
            {
                batch.Count = 0;
                return polled is >= 0 or -LinuxSocketConstants.EINTR ? 0 : polled;
            }
        }

        uint count = Math.Min(available, (uint)batch.Capacity);
        uint refill = Math.Min(count, _socket.Fill.FreeToProduce());
        for (uint i = 0; i < count; i++)
        {
            var desc = (xdp_desc*)rx.Peek(i);
            var buffer = batch[(int)i];
            int length = (int)Math.Min(desc->len, (uint)buffer.Data.Length);
            new ReadOnlySpan<byte>(_socket.Umem + desc->addr, length).CopyTo(buffer.Data);
            buffer.Length = length;
            if (i < refill)
            {
                // Aligned UMEM: the frame's start is the address rounded down to the frame size.
                *(ulong*)_socket.Fill.NextToProduce() = desc->addr & ~((ulong)XskSocket.FrameSize - 1);
            }
        }

        _socket.Fill.Submit();
        rx.Release(count);
        batch.CompleteFilled((int)count);
        return (int)count;
    }

    public int Send(ReadOnlySpan<byte> frame)
    {
        if (frame.Length > XskSocket.FrameSize)
        {
            return -LinuxSocketConstants.EMSGSIZE;
        }

        lock (_txLock)
        {
            ReapCompletions();
            if (_freeTxCount == 0 || _socket.Tx.FreeToProduce() == 0)
            {
                _ = Interop.Interop.LibC.Kick(_socket.Fd);
                ReapCompletions();
                if (_freeTxCount == 0 || _socket.Tx.FreeToProduce() == 0)
                {
                    return -LinuxSocketConstants.ENOBUFS;
                }
            }

            ulong address = _freeTx[--_freeTxCount];
            frame.CopyTo(new Span<byte>(_socket.Umem + address, frame.Length));
            var desc = (xdp_desc*)_socket.Tx.NextToProduce();
            desc->addr = address;
            desc->len = (uint)frame.Length;
            desc->options = 0;
            _socket.Tx.Submit();
            if (_socket.Tx.NeedsWakeup)
            {
                int kicked = Interop.Interop.LibC.Kick(_socket.Fd);
                if (kicked < 0 && kicked is not (-LinuxSocketConstants.EAGAIN or -LinuxSocketConstants.ENOBUFS or -LinuxSocketConstants.EBUSY))
                {
                    return kicked;
                }
            }

            return frame.Length;
        }
    }

    /// <summary>Frames the kernel finished transmitting go back to the free list.</summary>
    private void ReapCompletions()
    {
        XskRing completion = _socket.Completion;
        uint done = completion.AvailableToConsume();
        for (uint i = 0; i < done; i++)
        {
            _freeTx[_freeTxCount++] = *(ulong*)completion.Peek(i);
        }

        if (done > 0)
        {
            completion.Release(done);
        }
    }

    public void Dispose()
    {
        _attachment.Dispose();
        lock (_txLock)
        {
            _socket.Dispose();
        }
    }

    public override string ToString() => $"{_socket.Fd} {_attachment.Link}";
}
