namespace Overlay.Cluster.Store;

/// <summary>
/// The module's port to the store (etcd v3 semantics: one revision counter, per-key create/mod revisions, leases,
/// watches from a revision). Implemented by <see cref="EtcdClusterStore"/>. Every failure is a
/// <see cref="ClusterStoreException"/> with a <see cref="ClusterStoreErrorKind"/> and the store's own message;
/// cancellation through the token is an <see cref="OperationCanceledException"/>.
/// </summary>
public interface IClusterStore : IAsyncDisposable
{
    /// <summary>One key: its value or null, and the store's revision when read.</summary>
    Task<StoreRead> GetAsync(string key, CancellationToken ct);

    /// <summary>Every key under <paramref name="prefix"/>, sorted by key, at one revision. At most
    /// <paramref name="limit"/> keys; <see cref="StoreRange.More"/> says when there were more.</summary>
    Task<StoreRange> GetPrefixAsync(string prefix, CancellationToken ct, int limit = StoreLimits.MaxRangeKeys);

    /// <summary>The keys under <paramref name="prefix"/> with their revisions but without values (history pruning, counts).
    /// The default reads values too; <see cref="EtcdClusterStore"/> asks for keys only.</summary>
    async Task<StoreRange> GetPrefixKeysAsync(string prefix, CancellationToken ct, int limit = StoreLimits.MaxRangeKeys)
    {
        var all = await GetPrefixAsync(prefix, ct, limit).ConfigureAwait(false);
        return all with { Kvs = all.Kvs.Select(k => k with { Value = [] }).ToArray() };
    }

    /// <summary>Put a value, attached to <paramref name="lease"/> when non-zero. Returns the revision it created.</summary>
    Task<long> PutAsync(string key, ReadOnlyMemory<byte> value, long lease, CancellationToken ct);

    /// <summary>
    /// Compare-and-swap in one transaction: when <paramref name="key"/>'s mod revision equals
    /// <paramref name="expectedModRevision"/> (0 = the key must not exist), put <paramref name="value"/> (with
    /// <paramref name="lease"/>, 0 = none) and every <paramref name="alsoPut"/>; otherwise write nothing and return the
    /// key's current value (the winner's).
    /// </summary>
    Task<CasResult> PutIfModRevisionAsync(string key, long expectedModRevision, ReadOnlyMemory<byte> value, long lease,
        IReadOnlyList<StoreWrite> alsoPut, CancellationToken ct);

    /// <summary>Delete one key; true when it existed.</summary>
    Task<bool> DeleteAsync(string key, CancellationToken ct);

    /// <summary>Delete every key under a prefix; returns how many.</summary>
    Task<long> DeletePrefixAsync(string prefix, CancellationToken ct);

    /// <summary>A new lease of <paramref name="ttl"/> (whole seconds, at least 1); returns its id.</summary>
    Task<long> GrantLeaseAsync(TimeSpan ttl, CancellationToken ct);

    /// <summary>Refresh a lease once. Returns its TTL in seconds after the refresh, or 0 when the lease is gone
    /// (expired or revoked: its keys are deleted).</summary>
    Task<long> KeepAliveOnceAsync(long lease, CancellationToken ct);

    /// <summary>Seconds a lease has left, or -1 when it does not exist.</summary>
    Task<long> LeaseTimeToLiveAsync(long lease, CancellationToken ct);

    /// <summary>Revoke a lease (its keys go at once). A lease already gone is not an error.</summary>
    Task RevokeLeaseAsync(long lease, CancellationToken ct);

    /// <summary>Compact the store's history up to <paramref name="revision"/> (watches and reads older fail with
    /// "compacted"). For tests and operators; the daemons never compact.</summary>
    Task CompactAsync(long revision, CancellationToken ct);

    /// <summary>
    /// Watch every key under <paramref name="prefix"/> from <paramref name="fromRevision"/> (inclusive; the caller
    /// passes its last seen revision + 1). Yields batches of events in revision order; a batch may be a bare progress
    /// notification (no events, a newer <see cref="StoreWatchBatch.Revision"/>). When the revision was compacted, yields
    /// one batch with <see cref="StoreWatchBatch.CompactedAt"/> &gt; 0 and ends: the caller re-reads and watches anew.
    /// A broken stream (store unreachable, member without a leader) ends with a <see cref="ClusterStoreException"/>.
    /// </summary>
    IAsyncEnumerable<StoreWatchBatch> WatchAsync(string prefix, long fromRevision, CancellationToken ct);
}

/// <summary>Bounds on what the module reads from the store.</summary>
public static class StoreLimits
{
    /// <summary>Most keys one prefix read returns (hosts, results, enrollments: a cluster of 10,000 hosts fits).</summary>
    public const int MaxRangeKeys = 20_000;

    /// <summary>Largest message accepted from the store (a range of many registrations).</summary>
    public const int MaxReceiveMessageBytes = 64 * 1024 * 1024;
}

/// <summary>One key's value with its revisions (etcd's mvccpb.KeyValue).</summary>
public sealed record StoreKeyValue(string Key, byte[] Value, long CreateRevision, long ModRevision, long Version, long Lease);

/// <summary>A single-key read: <see cref="Kv"/> is null when the key does not exist.</summary>
public sealed record StoreRead(StoreKeyValue? Kv, long Revision);

/// <summary>A prefix read at one <see cref="Revision"/>.</summary>
public sealed record StoreRange(IReadOnlyList<StoreKeyValue> Kvs, long Revision, bool More);

/// <summary>One extra put in a <see cref="IClusterStore.PutIfModRevisionAsync"/> transaction.</summary>
public sealed record StoreWrite(string Key, ReadOnlyMemory<byte> Value, long Lease = 0);

/// <summary>The outcome of a compare-and-swap: on failure <see cref="Current"/> is the key as it is now (null when it
/// does not exist).</summary>
public sealed record CasResult(bool Succeeded, long Revision, StoreKeyValue? Current);

public enum StoreEventKind
{
    Put,
    Delete,
}

/// <summary>A change; for a delete <see cref="StoreKeyValue.Value"/> is empty and its mod revision is the delete's.</summary>
public sealed record StoreWatchEvent(StoreEventKind Kind, StoreKeyValue Kv);

/// <summary>Events of one watch response. <see cref="Revision"/> is the store revision of the response (every event is
/// at or before it); <see cref="CompactedAt"/> &gt; 0 means the requested revision was compacted (no events);
/// <see cref="Created"/> marks the store's first answer (the watch is established; no events).</summary>
public sealed record StoreWatchBatch(IReadOnlyList<StoreWatchEvent> Events, long Revision, long CompactedAt, bool Created = false);
