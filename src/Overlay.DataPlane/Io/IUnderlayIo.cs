namespace Overlay.DataPlane.Io;

/// <summary>
/// The underlay UDP socket (port 4500 by default) shared by ESP and IKE (RFC 3948). The production
/// implementation is <see cref="UdpUnderlaySocket"/>; unit tests connect two pipelines in memory.
/// Neither method throws.
/// </summary>
public interface IUnderlayIo : IDisposable
{
    /// <summary>Where this socket is bound.</summary>
    UdpAddress Local { get; }

    /// <summary>
    /// A received slot may hold several datagrams of one flow (UDP GRO); their size is
    /// <see cref="MessageBatch.GetSegmentSize"/>. The receiver then needs 64 KiB buffers.
    /// </summary>
    bool CoalescesReceive => false;

    /// <summary>Datagrams the kernel dropped at this socket (receive buffer full) since it opened; for status, not per packet.</summary>
    long KernelDrops => 0;

    /// <summary>Receives a batch of datagrams with their sources; count, 0 on timeout, or -errno.</summary>
    int Receive(MessageBatch batch);

    /// <summary>
    /// Sends slots <paramref name="start"/>..start+count-1 of <paramref name="batch"/> to their addresses.
    /// Returns how many were sent (possibly fewer), or -errno when the first one failed.
    /// </summary>
    int Send(MessageBatch batch, int start, int count);
}
