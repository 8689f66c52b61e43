using System.Collections.Concurrent;

namespace Overlay.DataPlane.Switching;

/// <summary>
/// MAC learning table of one TVD: MAC → endpoint, with ageing and a hard bound on entries.
/// When full, new addresses are not learned (their frames are flooded instead), so a guest
/// spraying source MACs cannot grow memory or evict others' entries. Timestamps come from the
/// injected <see cref="TimeProvider"/>.
/// <para>
/// Several forwarding threads (port loops, underlay workers) switch within one TVD at once, so the
/// per-frame step takes no lock: a lookup is a lock-free <see cref="ConcurrentDictionary{TKey,TValue}"/>
/// read, and refreshing a known station writes its entry only when it moved or when its timestamp is
/// older than a sixteenth of the ageing time, so that two cores forwarding one flow do not write the
/// same cache line for every frame. Only learning a new address or removing one locks (inside the
/// dictionary, per bucket). An entry's endpoint is one 64-bit word, so a reader never sees half of a move.
/// </para>
/// </summary>
public sealed class MacTable
{
    /// <summary>A known station's timestamp is rewritten at most once per ageing time / this.</summary>
    private const int RefreshesPerAgeing = 16;

    private readonly ConcurrentDictionary<ulong, Entry> _entries;
    private readonly TimeProvider _time;
    private readonly long _ageingTicks;
    private readonly long _refreshTicks;
    private int _count;

    public MacTable(int capacity, TimeSpan ageing, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ageing, TimeSpan.Zero);
        Capacity = capacity;
        _time = time;
        _ageingTicks = (long)(ageing.TotalSeconds * time.TimestampFrequency);
        _refreshTicks = _ageingTicks / RefreshesPerAgeing;

        // Sized once: adding up to Capacity entries never resizes the bucket array.
        _entries = new ConcurrentDictionary<ulong, Entry>(Environment.ProcessorCount, capacity);
    }

    public int Capacity { get; }

    public int Count => Volatile.Read(ref _count);

    /// <summary>Learns or refreshes <paramref name="mac"/> at <paramref name="where"/>; false when the table is full.</summary>
    public bool Learn(ulong mac, SwitchEndpoint where) => Learn(mac, where, _time.GetTimestamp());

    /// <summary>
    /// The switch's per-frame step with one clock read: learn the source, then (for a unicast
    /// destination) look it up. Returns false when the source could not be learned (full).
    /// </summary>
    internal bool LearnAndLookup(ulong source, SwitchEndpoint ingress, ulong? destination, out bool found, out SwitchEndpoint where)
    {
        long now = _time.GetTimestamp();
        bool learned = Learn(source, ingress, now);
        where = default;
        found = destination is { } dst && Lookup(dst, now, out where);
        return learned;
    }

    /// <summary>Finds a live entry; an aged one is removed and reported as unknown.</summary>
    public bool TryLookup(ulong mac, out SwitchEndpoint where) => Lookup(mac, _time.GetTimestamp(), out where);

    /// <summary>Removes entries older than the ageing time; the daemon calls this periodically.</summary>
    public int AgeOut()
    {
        long now = _time.GetTimestamp();
        int removed = 0;
        foreach (KeyValuePair<ulong, Entry> kv in _entries)
        {
            if (now - kv.Value.LastSeen > _ageingTicks && Remove(kv))
            {
                removed++;
            }
        }

        return removed;
    }

    /// <summary>Forgets every MAC learned behind <paramref name="where"/> (port detached, tunnel gone).</summary>
    public int Flush(SwitchEndpoint where)
    {
        int removed = 0;
        foreach (KeyValuePair<ulong, Entry> kv in _entries)
        {
            if (kv.Value.Where == where && Remove(kv))
            {
                removed++;
            }
        }

        return removed;
    }

    /// <summary>How many entries (live or aged, not yet removed) point at <paramref name="where"/>.</summary>
    public int CountAt(SwitchEndpoint where)
    {
        int count = 0;
        foreach (KeyValuePair<ulong, Entry> kv in _entries)
        {
            if (kv.Value.Where == where)
            {
                count++;
            }
        }

        return count;
    }

    private bool Learn(ulong mac, SwitchEndpoint where, long now)
    {
        while (true)
        {
            if (_entries.TryGetValue(mac, out Entry? entry))
            {
                entry.Refresh(where, now, _refreshTicks); // refresh, or the station moved
                return true;
            }

            if (Interlocked.Increment(ref _count) > Capacity)
            {
                Interlocked.Decrement(ref _count);
                return false;
            }

            if (_entries.TryAdd(mac, new Entry(where, now)))
            {
                return true;
            }

            Interlocked.Decrement(ref _count); // another thread learned it first: refresh theirs
        }
    }

    private bool Lookup(ulong mac, long now, out SwitchEndpoint where)
    {
        if (_entries.TryGetValue(mac, out Entry? entry))
        {
            if (now - entry.LastSeen <= _ageingTicks)
            {
                where = entry.Where;
                return true;
            }

            Remove(new KeyValuePair<ulong, Entry>(mac, entry));
        }

        where = default;
        return false;
    }

    /// <summary>Removes exactly this entry (not one learned again meanwhile) and counts it out.</summary>
    private bool Remove(KeyValuePair<ulong, Entry> entry)
    {
        if (!_entries.TryRemove(entry))
        {
            return false;
        }

        Interlocked.Decrement(ref _count);
        return true;
    }

    /// <summary>Where a station was last seen, and when; written by any forwarding thread without a lock.</summary>
    private sealed class Entry(SwitchEndpoint where, long lastSeen)
    {
        private long _where = Pack(where);
        private long _lastSeen = lastSeen;

        public SwitchEndpoint Where
        {
            get
            {
                long packed = Volatile.Read(ref _where);
                return new SwitchEndpoint((EndpointKind)(byte)(packed >> 32), (int)packed);
            }
        }

        public long LastSeen => Volatile.Read(ref _lastSeen);

        /// <summary>Moves the entry when the station moved; rewrites its time only when it is stale by a refresh interval.</summary>
        public void Refresh(SwitchEndpoint where, long now, long refreshTicks)
        {
            long packed = Pack(where);
            if (Volatile.Read(ref _where) != packed)
            {
                Volatile.Write(ref _where, packed);
                Volatile.Write(ref _lastSeen, now);
                return;
            }

            if (now - Volatile.Read(ref _lastSeen) > refreshTicks)
            {
                Volatile.Write(ref _lastSeen, now);
            }
        }

        private static long Pack(SwitchEndpoint where) => ((long)(byte)where.Kind << 32) | (uint)where.Id;
    }
}
