namespace Overlay.DataPlane.Counters;

/// <summary>Packets and bytes that passed an SA (or port), counted with <see cref="Interlocked"/>.</summary>
public sealed class TrafficCounters
{
    private long _packets;
    private long _bytes;

    public long Packets => Volatile.Read(ref _packets);

    public long Bytes => Volatile.Read(ref _bytes);

    /// <summary>Adds one packet of <paramref name="bytes"/> and returns the new totals.</summary>
    public (long Packets, long Bytes) Add(int bytes)
    {
        long packets = Interlocked.Increment(ref _packets);
        long total = Interlocked.Add(ref _bytes, bytes);
        return (packets, total);
    }
}
