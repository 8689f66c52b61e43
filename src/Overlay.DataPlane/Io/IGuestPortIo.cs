namespace Overlay.DataPlane.Io;

/// <summary>
/// Frame I/O of one guest port (the host end of a guest's veth, or its TAP device). The production
/// implementation is <see cref="PacketSocketPort"/>; unit tests use in-memory ports.
/// Neither method throws: the loops that call them must never fail.
/// </summary>
public interface IGuestPortIo : IDisposable
{
    /// <summary>The interface this port reads and writes.</summary>
    string Interface { get; }

    /// <summary>How frames move: "af_packet", "af_xdp" (or what a test port calls itself).</summary>
    string Kind => "other";

    /// <summary>What the port did for the guest's offloads; null when it handles none.</summary>
    PortOffloadCounters? Offloads => null;

    /// <summary>
    /// Frames the kernel dropped for this port before the loop read them (socket buffer or RX ring
    /// full: the loop fell behind), since the port opened. Asks the kernel: for status, not per packet.
    /// </summary>
    long KernelDrops => 0;

    /// <summary>
    /// Receives up to <see cref="MessageBatch.Capacity"/> frames into <paramref name="batch"/>, waiting at
    /// most the receive timeout. Returns the count (also in <see cref="MessageBatch.Count"/>), 0 when
    /// nothing arrived in time, or -errno.
    /// </summary>
    int Receive(MessageBatch batch);

    /// <summary>Transmits one frame to the guest. Returns bytes sent or -errno. Safe from any loop.</summary>
    int Send(ReadOnlySpan<byte> frame);

    /// <summary>
    /// Transmits a frame that came out of a tunnel. A port with offloads may hold it back and merge it
    /// with the frames that follow (GRO towards the guest) until <see cref="Flush"/>. Called only by the
    /// one underlay receive loop per queue (GuestPort.CoalescingQueue): the worker of its index. Returns bytes accepted or -errno.
    /// </summary>
    int SendCoalescing(ReadOnlySpan<byte> frame) => Send(frame);

    /// <summary>Sends what <see cref="SendCoalescing"/> held back: 0, or -errno when that send failed.</summary>
    int Flush() => 0;

    /// <summary>
    /// The port's receive queues when it has several (a fanout group, <see cref="FanoutGuestPort"/>): the pipeline
    /// then reads each with a loop of its own instead of calling <see cref="Receive"/>, and an underlay worker
    /// sends coalescing through the queue of its index. Null: the port is its one queue.
    /// </summary>
    IReadOnlyList<IGuestPortIo>? Queues => null;
}
