namespace Overlay.DataPlane.Counters;

/// <summary>
/// Lock-free drop counters, one slot per <see cref="DropReason"/>. A per-SA or per-TVD instance can
/// point at a parent (the global instance) so that every increment is also seen in the daemon's totals.
/// Each worker (<see cref="Workers"/>) has its own row of slots, rows a cache line apart, so workers that drop
/// at once never write one line; reads sum the rows. Increments are <see cref="Interlocked"/> and allocate
/// nothing; snapshots are for status output.
/// </summary>
public sealed class DropCounters
{
    private static readonly int SlotCount = Enum.GetValues<DropReason>().Length;

    /// <summary>longs from one worker's row to the next: the slots rounded up to a cache line, plus one line of gap.</summary>
    private static readonly int RowStride = ((SlotCount + 7) & ~7) + 8;

    private readonly long[] _counts = new long[Workers.Cells * RowStride];
    private readonly DropCounters? _parent;

    public DropCounters(DropCounters? parent = null)
    {
        _parent = parent;
    }

    /// <summary>Counts one drop here and in the parent. <see cref="DropReason.None"/> is ignored.</summary>
    public void Increment(DropReason reason)
    {
        if (reason == DropReason.None || (uint)reason >= (uint)SlotCount)
        {
            return;
        }

        Interlocked.Increment(ref _counts[(Workers.Cell * RowStride) + (int)reason]);
        _parent?.Increment(reason);
    }

    /// <summary>Current count for one reason.</summary>
    public long this[DropReason reason] =>
        (uint)reason < (uint)SlotCount ? Sum((int)reason) : 0;

    /// <summary>Sum over all reasons.</summary>
    public long Total
    {
        get
        {
            long sum = 0;
            for (int i = 1; i < SlotCount; i++)
            {
                sum += Sum(i);
            }

            return sum;
        }
    }

    /// <summary>A consistent-enough copy for status output (each slot read atomically).</summary>
    public DropCounterSnapshot Snapshot()
    {
        var copy = new long[SlotCount];
        for (int i = 0; i < copy.Length; i++)
        {
            copy[i] = Sum(i);
        }

        return new DropCounterSnapshot(copy);
    }

    private long Sum(int slot)
    {
        long sum = 0;
        for (int at = slot; at < _counts.Length; at += RowStride)
        {
            sum += Volatile.Read(ref _counts[at]);
        }

        return sum;
    }
}
