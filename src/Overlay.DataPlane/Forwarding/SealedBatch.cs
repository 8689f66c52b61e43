using Overlay.DataPlane.Io;

namespace Overlay.DataPlane.Forwarding;

/// <summary>
/// The ESP-in-UDP packets one port loop has sealed and not sent yet: a <see cref="MessageBatch"/> of
/// its own, how many of its slots are filled, and which underlay queue the loop sends through
/// (<see cref="UnderlayGroup.Send"/>). Owned by one loop; allocated once.
/// </summary>
internal sealed class SealedBatch(int capacity, int bufferSize, int worker) : IDisposable
{
    public int Worker { get; } = worker;

    public MessageBatch Batch { get; } = new(capacity, bufferSize);

    /// <summary>Slots 0..Count-1 hold sealed packets with their destinations.</summary>
    public int Count { get; set; }

    public bool IsFull => Count == Batch.Capacity;

    public void Dispose() => Batch.Dispose();
}
