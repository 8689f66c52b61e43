namespace Overlay.DataPlane.Counters;

/// <summary>Immutable copy of a <see cref="DropCounters"/> for the daemon's status and metrics.</summary>
public sealed class DropCounterSnapshot
{
    private readonly long[] _counts;

    internal DropCounterSnapshot(long[] counts)
    {
        _counts = counts;
    }

    public long this[DropReason reason] => (uint)reason < (uint)_counts.Length ? _counts[(int)reason] : 0;

    public long Total => _counts.Sum() - _counts[(int)DropReason.None];

    /// <summary>Reasons with a non-zero count, in enum order (for "tvdctl status").</summary>
    public IEnumerable<KeyValuePair<DropReason, long>> NonZero()
    {
        for (int i = 1; i < _counts.Length; i++)
        {
            if (_counts[i] != 0)
            {
                yield return new KeyValuePair<DropReason, long>((DropReason)i, _counts[i]);
            }
        }
    }
}
