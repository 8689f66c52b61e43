using Overlay.Cluster.Store;

namespace Overlay.Daemon.ClusterHost;

/// <summary>
/// A local copy of every key under one prefix, kept by a watch. It survives the store going away: while the store
/// is out of reach the copy stays as last seen (fail-static), and when it is back the watch resumes from the last
/// revision seen + 1, so nothing in between is missed; only when that revision was compacted meanwhile does it read
/// the prefix again whole. Values are kept as the store gave them; their judgement is the caller's.
/// One session at a time (<see cref="SyncAsync"/>, then <see cref="FollowAsync"/>).
/// </summary>
public sealed class PrefixMirror
{
    private readonly Lock _lock = new();
    private readonly string _prefix;
    private Dictionary<string, byte[]> _values = new(StringComparer.Ordinal);
    private long _revision;

    public PrefixMirror(string prefix) => _prefix = prefix;

    public string Prefix => _prefix;

    /// <summary>The store revision the copy is at (0 before the first read).</summary>
    public long Revision
    {
        get
        {
            lock (_lock)
            {
                return _revision;
            }
        }
    }

    /// <summary>Full re-reads since start (the first, and one per compaction that overtook the copy).</summary>
    public int FullReads { get; private set; }

    /// <summary>The copy now, keyed by what follows the prefix.</summary>
    public IReadOnlyDictionary<string, byte[]> Snapshot()
    {
        lock (_lock)
        {
            return new Dictionary<string, byte[]>(_values, StringComparer.Ordinal);
        }
    }

    /// <summary>The first session reads the prefix whole; later ones keep the copy and let the watch catch up.</summary>
    public async Task<bool> SyncAsync(IClusterStore store, CancellationToken ct)
    {
        if (Revision > 0)
        {
            return false;
        }

        await ReadAllAsync(store, ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Watches from the copy's revision + 1 until the stream breaks (a <see cref="ClusterStoreException"/>) or
    /// <paramref name="ct"/> ends. <paramref name="changed"/> runs after each batch that changed the copy;
    /// <paramref name="established"/> once the store has answered (the copy is current as of then).
    /// </summary>
    public async Task FollowAsync(IClusterStore store, Action changed, Action established, CancellationToken ct)
    {
        while (true)
        {
            bool compacted = false;
            await foreach (StoreWatchBatch batch in store.WatchAsync(_prefix, Revision + 1, ct).ConfigureAwait(false))
            {
                if (batch.CompactedAt > 0)
                {
                    compacted = true;
                    break;
                }

                if (batch.Created)
                {
                    established();
                }

                if (Apply(batch))
                {
                    changed();
                }
            }

            if (!compacted)
            {
                throw new ClusterStoreException(ClusterStoreErrorKind.Unavailable, $"the watch on {_prefix} ended");
            }

            // The revision we were at is gone from the store's history: read everything again, then watch from there.
            await ReadAllAsync(store, ct).ConfigureAwait(false);
            changed();
        }
    }

    private async Task ReadAllAsync(IClusterStore store, CancellationToken ct)
    {
        StoreRange range = await store.GetPrefixAsync(_prefix, ct).ConfigureAwait(false);
        var values = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (StoreKeyValue kv in range.Kvs)
        {
            values[kv.Key[_prefix.Length..]] = kv.Value;
        }

        lock (_lock)
        {
            _values = values;
            _revision = range.Revision;
            FullReads++;
        }
    }

    private bool Apply(StoreWatchBatch batch)
    {
        lock (_lock)
        {
            bool changed = false;
            foreach (StoreWatchEvent e in batch.Events)
            {
                string key = e.Kv.Key[_prefix.Length..];
                changed |= e.Kind == StoreEventKind.Put ? Put(key, e.Kv.Value) : _values.Remove(key);
                _revision = Math.Max(_revision, e.Kv.ModRevision);
            }

            // A bare progress notification says every event up to its revision was sent. The header of the "created"
            // answer or of an event batch does not: a watch catching up still has older events to send after it.
            if (batch.Events.Count == 0 && !batch.Created)
            {
                _revision = Math.Max(_revision, batch.Revision);
            }

            return changed;
        }
    }

    private bool Put(string key, byte[] value)
    {
        if (_values.TryGetValue(key, out byte[]? old) && old.AsSpan().SequenceEqual(value))
        {
            return false;
        }

        _values[key] = value;
        return true;
    }
}
