using Overlay.Labels.Compiled;

namespace Overlay.Labels.Decisions;

/// <summary>
/// The types of the guests running on one host, counted (sHype's running-types semantics: the
/// Chinese Wall looks at which types run, not at which guests). A bitmap of the non-zero counts
/// makes the start check a few AND instructions. Not thread-safe: owned by the engine's lock.
/// </summary>
public sealed class RunningTypes
{
    private readonly int[] _counts;
    private readonly ulong[] _mask;

    public RunningTypes(int typeCount)
    {
        _counts = new int[typeCount];
        _mask = new ulong[TypeSet.WordCount(typeCount)];
    }

    internal ReadOnlySpan<ulong> Mask => _mask;

    public bool IsRunning(int typeId) => _counts[typeId] > 0;

    public void Add(CompiledGuest guest)
    {
        foreach (var t in guest.AllTypes.Ids())
        {
            if (_counts[t]++ == 0)
            {
                _mask[t >> 6] |= 1UL << (t & 63);
            }
        }
    }

    public void Remove(CompiledGuest guest)
    {
        foreach (var t in guest.AllTypes.Ids())
        {
            if (--_counts[t] == 0)
            {
                _mask[t >> 6] &= ~(1UL << (t & 63));
            }
        }
    }
}
