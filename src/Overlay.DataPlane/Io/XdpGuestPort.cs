using Overlay.DataPlane.Interop;
using Overlay.DataPlane.Pools;
using Overlay.DataPlane.Xdp;
using static Overlay.DataPlane.Interop.LinuxXdpConstants;

namespace Overlay.DataPlane.Io;

/// <summary>
/// A guest port on an AF_XDP socket (CONVENTIONS 19): the port's XDP program redirects every frame of
/// queue 0 into the socket's RX ring, in the driver when the device allows it, so frames never enter
/// the host's stack or an skb-based socket queue. Copy mode (veth and TAP have no zero-copy), need_wakeup.
/// <list type="bullet">
/// <item>Receive: poll(2) only when the RX ring is empty, then copy each frame's descriptors (one, or
/// several for a frame larger than a chunk: multi-buffer) into the batch and hand the chunks straight
/// back through the fill ring;</item>
/// <item>Send: copy into free TX chunks, post the descriptors, sendto(2) kick when the kernel asks for
/// it; completed chunks return to the free list. Sends may come from several loops: one lock.</item>
/// </list>
/// The interface needs one RX queue (veth: numrxqueues 1; a TAP has one), or frames on other queues
/// pass to the kernel stack unseen. Disposing detaches the program (the link closes) before the socket
/// closes and the rings are unmapped.
/// </summary>
public sealed unsafe class XdpGuestPort : IGuestPortIo, IXskFrameReader
{
    private const uint Queue = 0;
    private readonly XskSocket _socket;
    private readonly XdpAttachment _attachment;
    private readonly int _timeoutMs;
    private readonly Lock _txLock = new();

    private XdpGuestPort(string interfaceName, XskSocket socket, XdpAttachment attachment, TimeSpan receiveTimeout)
    {
        Interface = interfaceName;
        _socket = socket;
        _attachment = attachment;
        _timeoutMs = (int)Math.Clamp(receiveTimeout.TotalMilliseconds, 1, int.MaxValue);
    }

    public string Interface { get; }

    public string Kind => "af_xdp";

    /// <summary>Frames the kernel could not put in the RX ring (ring full, no fill buffer) and TX descriptors it refused: cumulative.</summary>
    public long KernelDrops => _socket.KernelDrops(Interface);

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

    public int Receive(MessageBatch batch) => _socket.Receive(batch, _timeoutMs, this, out _);

    /// <summary>Copies descriptors first..last (one frame) into the slot; false when the frame did not fit (the caller counts it oversized).</summary>
    bool? IXskFrameReader.Read(uint first, uint last, MessageBatch batch, int slot)
    {
        XskRing rx = _socket.Rx;
        PacketBuffer buffer = batch[slot];
        Span<byte> data = buffer.Data;
        int length = 0;
        bool whole = true;
        for (uint d = first; d <= last; d++)
        {
            var desc = (xdp_desc*)rx.Peek(d);
            int take = (int)Math.Min(desc->len, (uint)(data.Length - length));
            whole &= take == desc->len;
            new ReadOnlySpan<byte>(_socket.Umem + desc->addr, take).CopyTo(data[length..]);
            length += take;
        }

        buffer.Length = length;
        return whole;
    }

    public int Send(ReadOnlySpan<byte> frame)
    {
        // A frame larger than a chunk leaves as several descriptors, all but the last flagged XDP_PKT_CONTD.
        int chunks = (frame.Length + XskSocket.FrameSize - 1) / XskSocket.FrameSize;
        if (chunks is 0 or > XskSocket.MaxFrameChunks)
        {
            return -LinuxSocketConstants.EMSGSIZE;
        }

        lock (_txLock)
        {
            _socket.ReapCompletions();
            if (_socket.FreeTxChunks < chunks || _socket.Tx.FreeToProduce((uint)chunks) < chunks)
            {
                _ = Interop.Interop.LibC.Kick(_socket.Fd);
                _socket.ReapCompletions();
                if (_socket.FreeTxChunks < chunks || _socket.Tx.FreeToProduce((uint)chunks) < chunks)
                {
                    return -LinuxSocketConstants.ENOBUFS;
                }
            }

            for (int c = 0, offset = 0; c < chunks; c++, offset += XskSocket.FrameSize)
            {
                ulong address = _socket.TakeTxChunk();
                ReadOnlySpan<byte> piece = frame.Slice(offset, Math.Min(XskSocket.FrameSize, frame.Length - offset));
                piece.CopyTo(new Span<byte>(_socket.Umem + address, piece.Length));
                var desc = (xdp_desc*)_socket.Tx.NextToProduce();
                desc->addr = address;
                desc->len = (uint)piece.Length;
                desc->options = c < chunks - 1 ? XDP_PKT_CONTD : 0;
            }

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
