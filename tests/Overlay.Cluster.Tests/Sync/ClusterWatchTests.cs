using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text;
using Overlay.Cluster.Store;
using Overlay.Cluster.Sync;

namespace Overlay.Cluster.Tests.Sync;

/// <summary>The watch's resume rules with a scripted store (no network): where each new watch starts, and what a
/// failing subscriber does. The same rules against a real etcd: ClusterWatchEtcdTests.</summary>
public class ClusterWatchTests
{
    private static StoreKeyValue Kv(string key, long rev) => new(key, Encoding.UTF8.GetBytes(key), rev, rev, 1, 0);

    /// <summary>Full reads answer from <see cref="Range"/>; each watch plays the next script, then fails as a lost link.</summary>
    private sealed class ScriptedStore : IClusterStore
    {
        public List<StoreKeyValue> Range { get; } = [];
        public long RangeRevision { get; set; }
        public ConcurrentQueue<StoreWatchBatch[]> Scripts { get; } = new();
        public BlockingCollection<long> WatchStarts { get; } = [];

        public Task<StoreRange> GetPrefixAsync(string prefix, CancellationToken ct, int limit = StoreLimits.MaxRangeKeys) =>
            Task.FromResult(new StoreRange(Range.ToArray(), RangeRevision, false));

        public async IAsyncEnumerable<StoreWatchBatch> WatchAsync(string prefix, long fromRevision, [EnumeratorCancellation] CancellationToken ct)
        {
            WatchStarts.Add(fromRevision, ct);
            if (!Scripts.TryDequeue(out var script))
            {
                await Task.Delay(Timeout.Infinite, ct);
                yield break;
            }

            foreach (var batch in script)
            {
                yield return batch;
            }

            throw new ClusterStoreException(ClusterStoreErrorKind.Unavailable, "link lost");
        }

        public Task<StoreRead> GetAsync(string key, CancellationToken ct) => throw new NotSupportedException();
        public Task<long> PutAsync(string key, ReadOnlyMemory<byte> value, long lease, CancellationToken ct) => throw new NotSupportedException();
        public Task<CasResult> PutIfModRevisionAsync(string key, long expectedModRevision, ReadOnlyMemory<byte> value, long lease,
            IReadOnlyList<StoreWrite> alsoPut, CancellationToken ct) => throw new NotSupportedException();
        public Task<bool> DeleteAsync(string key, CancellationToken ct) => throw new NotSupportedException();
        public Task<long> DeletePrefixAsync(string prefix, CancellationToken ct) => throw new NotSupportedException();
        public Task<long> GrantLeaseAsync(TimeSpan ttl, CancellationToken ct) => throw new NotSupportedException();
        public Task<long> KeepAliveOnceAsync(long lease, CancellationToken ct) => throw new NotSupportedException();
        public Task<long> LeaseTimeToLiveAsync(long lease, CancellationToken ct) => throw new NotSupportedException();
        public Task RevokeLeaseAsync(long lease, CancellationToken ct) => throw new NotSupportedException();
        public Task CompactAsync(long revision, CancellationToken ct) => throw new NotSupportedException();
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private static Backoff Fast() => new(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(1));

    private static long NextStart(ScriptedStore store) =>
        store.WatchStarts.TryTake(out long rev, TimeSpan.FromSeconds(10)) ? rev : throw new TimeoutException("no watch started");

    [Fact]
    public async Task A_watch_resumes_after_its_last_event_not_after_the_header_revision_and_after_a_progress_notification()
    {
        var store = new ScriptedStore { RangeRevision = 10 };
        store.Range.Add(Kv("/p/a", 5));
        // 1: created at 10; a catch-up batch whose header says 15 but whose last event is 11 (more may follow).
        store.Scripts.Enqueue([new([], 10, 0, Created: true), new([new(StoreEventKind.Put, Kv("/p/b", 11))], 15, 0)]);
        // 2: resumed at 12; the rest of the catch-up, then a progress notification at 20.
        store.Scripts.Enqueue([new([], 15, 0, Created: true), new([new(StoreEventKind.Delete, Kv("/p/a", 14))], 15, 0), new([], 20, 0)]);
        var watch = new ClusterWatch(store, ["/p/"], TimeProvider.System, backoff: Fast);
        using var stop = new CancellationTokenSource();
        var run = watch.RunAsync(stop.Token);

        Assert.Equal(11, NextStart(store));
        Assert.Equal(12, NextStart(store));
        Assert.Equal(21, NextStart(store));
        Assert.Equal(["/p/b"], watch.Mirror.Entries.Keys);
        Assert.Equal(20, watch.Mirror.Revision);
        Assert.Equal(1, watch.FullReads);
        stop.Cancel();
        await run;
    }

    [Fact]
    public async Task A_failing_subscriber_does_not_stop_the_watch()
    {
        var store = new ScriptedStore { RangeRevision = 1 };
        store.Scripts.Enqueue([new([], 1, 0, Created: true), new([new(StoreEventKind.Put, Kv("/p/x", 2))], 2, 0)]);
        var watch = new ClusterWatch(store, ["/p/"], TimeProvider.System, backoff: Fast);
        int calls = 0;
        watch.Changed += _ => throw new InvalidOperationException("subscriber bug");
        watch.Changed += _ => Interlocked.Increment(ref calls);
        using var stop = new CancellationTokenSource();
        var run = watch.RunAsync(stop.Token);
        await watch.WaitUntilAsync(w => w.Mirror.Get("/p/x") is not null, new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        Assert.Equal(2, NextStart(store));
        Assert.Equal(3, NextStart(store)); // after the link was lost: still running
        Assert.Equal(2, calls); // the full read and the event, each despite the first subscriber throwing
        stop.Cancel();
        await run;
    }

    [Fact]
    public void Nested_prefixes_are_refused()
    {
        var store = new ScriptedStore();
        Assert.Throws<ArgumentException>(() => new ClusterWatch(store, ["/p/", "/p/hosts/"], TimeProvider.System));
        Assert.Throws<ArgumentException>(() => new ClusterWatch(store, [], TimeProvider.System));
    }
}
