using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Overlay.DataPlane.Switching;

/// <summary>
/// MAC learning table of one TVD: MAC → endpoint, with ageing and a hard bound on entries.
/// When full, new addresses are not learned (their frames are flooded instead), so a guest
/// spraying source MACs cannot grow memory or evict others' entries. Timestamps come from the
/// injected <see cref="TimeProvider"/>. Thread-safe (one lock per TVD; held for a dictionary probe).
/// </summary>
public sealed class MacTable
{
    private readonly Dictionary<ulong, Entry> _entries;
    private readonly TimeProvider _time;
    private readonly long _ageingTicks;
    private readonly Lock _lock = new();

    public MacTable(int capacity, TimeSpan ageing, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ageing, TimeSpan.Zero);
        Capacity = capacity;
        _time = time;
        _ageingTicks = (long)(ageing.TotalSeconds * time.TimestampFrequency);

        // Sized once: adding up to Capacity entries never reallocates.
        _entries = new Dictionary<ulong, Entry>(capacity);
    }

    public int Capacity { get; }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Learns or refreshes <paramref name="mac"/> at <paramref name="where"/>; false when the table is full.</summary>
    public bool Learn(ulong mac, SwitchEndpoint where)
    {
        long now = _time.GetTimestamp();
        lock (_lock)
        {
            return LearnLocked(mac, where, now);
        }
    }

    /// <summary>
    /// The switch's per-frame step under one lock and one clock read: learn the source, then (for
    /// a unicast destination) look it up. Returns false when the source could not be learned (full).
    /// </summary>
    internal bool LearnAndLookup(ulong source, SwitchEndpoint ingress, ulong? destination, out bool found, out SwitchEndpoint where)
    {
        long now = _time.GetTimestamp();
        lock (_lock)
        {
            bool learned = LearnLocked(source, ingress, now);
            where = default;
            found = destination is { } dst && LookupLocked(dst, now, out where);
            return learned;
        }
    }

    /// <summary>Finds a live entry; an aged one is removed and reported as unknown.</summary>
    public bool TryLookup(ulong mac, out SwitchEndpoint where)
    {
        long now = _time.GetTimestamp();
        lock (_lock)
        {
            return LookupLocked(mac, now, out where);
        }
    }

    /// <summary>Removes entries older than the ageing time; the daemon calls this periodically.</summary>
    public int AgeOut()
    {
        long now = _time.GetTimestamp();
        int removed = 0;
        lock (_lock)
        {
            foreach (KeyValuePair<ulong, Entry> kv in _entries)
            {
                if (now - kv.Value.LastSeen > _ageingTicks && _entries.Remove(kv.Key))
                {
                    removed++;
                }
            }
        }

        return removed;
    }

    /// <summary>Forgets every MAC learned behind <paramref name="where"/> (port detached, tunnel gone).</summary>
    public int Flush(SwitchEndpoint where)
    {
        int removed = 0;
        lock (_lock)
        {
            foreach (KeyValuePair<ulong, Entry> kv in _entries)
            {
                if (kv.Value.Where == where && _entries.Remove(kv.Key))
                {
                    removed++;
                }
            }
        }

        return removed;
    }

    /// <summary>How many entries (live or aged, not yet removed) point at <paramref name="where"/>.</summary>
    public int CountAt(SwitchEndpoint where)
    {
        int count = 0;
        lock (_lock)
        {
            foreach (Entry entry in _entries.Values)
            {
                if (entry.Where == where)
                {
                    count++;
                }
            }
        }

        return count;
    }

    private bool LearnLocked(ulong mac, SwitchEndpoint where, long now)
    {
        ref Entry entry = ref CollectionsMarshal.GetValueRefOrNullRef(_entries, mac);
        if (!Unsafe.IsNullRef(ref entry))
        {
            entry = new Entry(where, now); // refresh, or the station moved
            return true;
        }

        if (_entries.Count >= Capacity)
        {
            return false;
        }

        _entries.Add(mac, new Entry(where, now));
        return true;
    }

    private bool LookupLocked(ulong mac, long now, out SwitchEndpoint where)
    {
        if (_entries.TryGetValue(mac, out Entry entry))
        {
            if (now - entry.LastSeen <= _ageingTicks)
            {
                where = entry.Where;
                return true;
            }

            _entries.Remove(mac);
        }

        where = default;
        return false;
    }

    private readonly record struct Entry(SwitchEndpoint Where, long LastSeen);
}
