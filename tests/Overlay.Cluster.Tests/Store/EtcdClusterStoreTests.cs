using System.Text;
using Overlay.Cluster.Store;
using Overlay.Cluster.Tests.Etcd;

namespace Overlay.Cluster.Tests.Store;

[Collection("etcd")]
public class EtcdClusterStoreTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [EtcdFact]
    public async Task Reads_writes_prefixes_and_deletes_against_a_real_etcd()
    {
        using var etcd = new EtcdServer();
        await using var store = etcd.OpenStore();
        var ct = TestContext.Current;
        long rev = await store.PutAsync("/t/a/1", B("one"), 0, ct);
        await store.PutAsync("/t/a/2", B("two"), 0, ct);
        await store.PutAsync("/t/b", B("other"), 0, ct);

        var one = await store.GetAsync("/t/a/1", ct);
        Assert.Equal("one", Encoding.UTF8.GetString(one.Kv!.Value));
        Assert.Equal(rev, one.Kv.ModRevision);
        Assert.Null((await store.GetAsync("/t/none", ct)).Kv);

        var range = await store.GetPrefixAsync("/t/a/", ct);
        Assert.Equal(["/t/a/1", "/t/a/2"], range.Kvs.Select(k => k.Key));
        Assert.False(range.More);
        Assert.True((await store.GetPrefixAsync("/t/a/", ct, limit: 1)).More);

        Assert.Equal(2, await store.DeletePrefixAsync("/t/a/", ct));
        Assert.True(await store.DeleteAsync("/t/b", ct));
        Assert.False(await store.DeleteAsync("/t/b", ct));
    }

    [EtcdFact]
    public async Task A_compare_and_swap_writes_all_or_nothing_and_returns_the_winner()
    {
        using var etcd = new EtcdServer();
        await using var store = etcd.OpenStore();
        var ct = TestContext.Current;
        var first = await store.PutIfModRevisionAsync("/t/cur", 0, B("v1"), 0, [new StoreWrite("/t/hist/1", B("v1"))], ct);
        Assert.True(first.Succeeded);
        var again = await store.PutIfModRevisionAsync("/t/cur", 0, B("v1b"), 0, [new StoreWrite("/t/hist/1b", B("v1b"))], ct);
        Assert.False(again.Succeeded);
        Assert.Equal("v1", Encoding.UTF8.GetString(again.Current!.Value));
        Assert.Null((await store.GetAsync("/t/hist/1b", ct)).Kv);

        var second = await store.PutIfModRevisionAsync("/t/cur", again.Current.ModRevision, B("v2"), 0, [], ct);
        Assert.True(second.Succeeded);
        Assert.Equal("v2", Encoding.UTF8.GetString((await store.GetAsync("/t/cur", ct)).Kv!.Value));
    }

    [EtcdFact]
    public async Task Leases_keep_alive_and_take_their_keys_when_revoked()
    {
        using var etcd = new EtcdServer();
        await using var store = etcd.OpenStore();
        var ct = TestContext.Current;
        long lease = await store.GrantLeaseAsync(TimeSpan.FromSeconds(30), ct);
        await store.PutAsync("/t/leased", B("x"), lease, ct);
        Assert.Equal(lease, (await store.GetAsync("/t/leased", ct)).Kv!.Lease);
        Assert.InRange(await store.KeepAliveOnceAsync(lease, ct), 29, 30);
        Assert.InRange(await store.LeaseTimeToLiveAsync(lease, ct), 1, 30);
        await store.RevokeLeaseAsync(lease, ct);
        Assert.Null((await store.GetAsync("/t/leased", ct)).Kv);
        Assert.Equal(0, await store.KeepAliveOnceAsync(lease, ct));
        Assert.Equal(-1, await store.LeaseTimeToLiveAsync(lease, ct));
        await store.RevokeLeaseAsync(lease, ct);
    }

    [EtcdFact]
    public async Task A_watch_sees_puts_and_deletes_in_order_and_reports_a_compacted_start()
    {
        using var etcd = new EtcdServer();
        await using var store = etcd.OpenStore();
        var ct = TestContext.Current;
        long start = await store.PutAsync("/t/w/a", B("1"), 0, ct);
        await store.PutAsync("/t/w/a", B("2"), 0, ct);
        long last = await store.PutAsync("/t/other", B("x"), 0, ct);
        await store.DeleteAsync("/t/w/a", ct);

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(TimeSpan.FromSeconds(10));
        var seen = new List<StoreWatchEvent>();
        await foreach (var batch in store.WatchAsync("/t/w/", start, cts.Token))
        {
            seen.AddRange(batch.Events);
            if (seen.Count >= 3)
            {
                break;
            }
        }

        Assert.Equal([StoreEventKind.Put, StoreEventKind.Put, StoreEventKind.Delete], seen.Select(e => e.Kind));
        Assert.Equal(["1", "2", ""], seen.Select(e => Encoding.UTF8.GetString(e.Kv.Value)));

        await store.CompactAsync(last, ct);
        StoreWatchBatch? first = null;
        await foreach (var batch in store.WatchAsync("/t/w/", start, cts.Token))
        {
            if (!batch.Created)
            {
                first = batch;
                break;
            }
        }

        Assert.Equal(last, first!.CompactedAt);
        var error = await Assert.ThrowsAsync<ClusterStoreException>(async () => await store.CompactAsync(start, ct));
        Assert.Equal(ClusterStoreErrorKind.Compacted, error.Kind);
    }

    [EtcdFact]
    public async Task An_unreachable_store_is_unavailable_with_the_socket_error()
    {
        using var etcd = new EtcdServer();
        await using var store = etcd.OpenStore(TimeSpan.FromSeconds(2));
        etcd.Kill();
        var error = await Assert.ThrowsAsync<ClusterStoreException>(() => store.GetAsync("/t/x", TestContext.Current));
        Assert.Equal(ClusterStoreErrorKind.Unavailable, error.Kind);
        Assert.NotEmpty(error.Message);
    }
}

internal static class TestContext
{
    /// <summary>Every store call in a test is bounded, so a hang fails the test instead of the run.</summary>
    public static CancellationToken Current => new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;
}
