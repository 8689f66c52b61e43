namespace Overlay.DataPlane.Counters;

/// <summary>
/// Lock-free drop counters, one slot per <see cref="DropReason"/>. A per-SA or per-TVD instance can
/// point at a parent (the global instance) so that every increment is also seen in the daemon's totals.
/// Increments are <see cref="Interlocked"/> and allocate nothing; snapshots are for status output.
/// </summary>
public sealed class DropCounters
{
    private static readonly int SlotCount = Enum.GetValues<DropReason>().Length;

    private readonly long[] _counts = new long[SlotCount];
    private readonly DropCounters? _parent;

    public DropCounters(DropCounters? parent = null)
    {
        _parent = parent;
    }

    /// <summary>Counts one drop here and in the parent. <see cref="DropReason.None"/> is ignored.</summary>
    public void Increment(DropReason reason)
    {
        if (reason == DropReason.None || (uint)reason >= (uint)_counts.Length)
        {
            return;
        }

        Interlocked.Increment(ref _counts[(int)reason]);
        _parent?.Increment(reason);
    }

    /// <summary>Current count for one reason.</summary>
    public long this[DropReason reason] =>
        (uint)reason < (uint)_counts.Length ? Volatile.Read(ref _counts[(int)reason]) : 0;

    /// <summary>Sum over all reasons.</summary>
    public long Total
    {
        get
        {
            long sum = 0;
            for (int i = 1; i < _counts.Length; i++)
            {
                sum += Volatile.Read(ref _counts[i]);
            }

            return sum;
        }
    }

    /// <summary>A consistent-enough copy for status output (each slot read atomically).</summary>
    public DropCounterSnapshot Snapshot()
    {
        var copy = new long[_counts.Length];
        for (int i = 0; i < copy.Length; i++)
        {
            copy[i] = Volatile.Read(ref _counts[i]);
        }

        return new DropCounterSnapshot(copy);
    }
}
