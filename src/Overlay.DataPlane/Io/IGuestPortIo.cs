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

    /// <summary>
    /// Receives up to <see cref="MessageBatch.Capacity"/> frames into <paramref name="batch"/>, waiting at
    /// most the receive timeout. Returns the count (also in <see cref="MessageBatch.Count"/>), 0 when
    /// nothing arrived in time, or -errno.
    /// </summary>
    int Receive(MessageBatch batch);

    /// <summary>Transmits one frame to the guest. Returns bytes sent or -errno.</summary>
    int Send(ReadOnlySpan<byte> frame);
}
