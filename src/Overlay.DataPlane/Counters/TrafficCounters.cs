namespace Overlay.DataPlane.Counters;

/// <summary>
/// Packets and bytes that passed an SA (or port), counted with <see cref="Interlocked"/>. A port's counters have
/// one cell per worker (<see cref="Workers"/>: cells 128 bytes apart, so two workers never write one cache line
/// or an adjacent-line pair); an SA's are one exact cell, because its lifetime limits need the running totals on
/// every packet (an inbound SA is opened by one worker anyway, and an outbound SA's sequence number is one shared
/// atomic whatever the counters do).
/// </summary>
public sealed class TrafficCounters
{
    /// <summary>longs between two cells: 128 bytes.</summary>
    private const int Stride = 16;

    private readonly long[] _cells;

    /// <summary>One exact cell: <see cref="Add"/> returns the totals.</summary>
    public TrafficCounters()
        : this(perWorker: false)
    {
    }

    /// <param name="perWorker">One cell per worker (<see cref="Add"/> then returns the calling worker's cell only).</param>
    public TrafficCounters(bool perWorker)
    {
        PerWorker = perWorker && Workers.Cells > 1;
        _cells = new long[PerWorker ? Workers.Cells * Stride : 2];
    }

    public bool PerWorker { get; }

    public long Packets => Sum(0);

    public long Bytes => Sum(1);

    /// <summary>
    /// Adds one packet of <paramref name="bytes"/> and returns the new totals of the cell it went to: the totals,
    /// unless <see cref="PerWorker"/>.
    /// </summary>
    public (long Packets, long Bytes) Add(int bytes)
    {
        int at = PerWorker ? Workers.Cell * Stride : 0;
        long packets = Interlocked.Increment(ref _cells[at]);
        long total = Interlocked.Add(ref _cells[at + 1], bytes);
        return (packets, total);
    }

    private long Sum(int field)
    {
        long sum = 0;
        for (int at = field; at < _cells.Length; at += Stride)
        {
            sum += Volatile.Read(ref _cells[at]);
        }

        return sum;
    }
}
