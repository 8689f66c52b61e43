using System.Text;
using Microsoft.Extensions.Time.Testing;
using Overlay.Cluster.Store;
using Overlay.Cluster.Sync;
using Overlay.Cluster.Tests.Etcd;
using Overlay.Cluster.Tests.Store;

namespace Overlay.Cluster.Tests.Sync;

/// <summary>The mirror against a real etcd: resume across a restart, fail-static while it is down, a full re-read after a
/// compaction of the revision the watch was at.</summary>
[Collection("etcd")]
public class ClusterWatchEtcdTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static string Value(ClusterMirror m, string key) => m.Get(key) is { } kv ? Encoding.UTF8.GetString(kv.Value) : "<none>";

    private static Task Until(ClusterWatch w, Func<ClusterWatch, bool> condition) =>
        w.WaitUntilAsync(condition, new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);

    [EtcdFact]
    public async Task The_mirror_stays_while_etcd_is_down_and_resumes_from_its_revision_after_a_restart()
    {
        using var etcd = new EtcdServer();
        await using var store = etcd.OpenStore(TimeSpan.FromSeconds(2));
        var ct = TestContext.Current;
        await store.PutAsync("/c/hosts/h1", B("1"), 0, ct);
        await store.PutAsync("/c/hosts/h2", B("2"), 0, ct);
        await store.PutAsync("/c/enroll/h1", B("e1"), 0, ct);
        await store.PutAsync("/c/results/h1", B("not watched"), 0, ct);

        var watch = new ClusterWatch(store, ["/c/hosts/", "/c/enroll/"], TimeProvider.System);
        using var stop = new CancellationTokenSource();
        var run = watch.RunAsync(stop.Token);
        await Until(watch, w => w.Connection.Connected && w.Mirror.Loaded);
        Assert.Equal(["/c/enroll/h1", "/c/hosts/h1", "/c/hosts/h2"], watch.Mirror.Entries.Keys);

        await store.PutAsync("/c/hosts/h3", B("3"), 0, ct);
        await Until(watch, w => w.Mirror.Get("/c/hosts/h3") is not null);
        var before = watch.Mirror;

        etcd.Kill();
        await Until(watch, w => !w.Connection.Connected);
        Assert.NotNull(watch.Connection.DisconnectedSince);
        Assert.NotNull(watch.Connection.LastError);
        await Task.Delay(1500, ct);
        Assert.Same(before, watch.Mirror); // fail-static: nothing forgotten, nothing invented

        etcd.Start();
        await using var writer = etcd.OpenStore();
        await writer.DeleteAsync("/c/hosts/h1", ct);
        await writer.PutAsync("/c/hosts/h2", B("2b"), 0, ct);
        await writer.PutAsync("/c/enroll/h4", B("e4"), 0, ct);
        await Until(watch, w => w.Connection.Connected && w.Mirror.Get("/c/enroll/h4") is not null && w.Mirror.Get("/c/hosts/h1") is null
            && Value(w.Mirror, "/c/hosts/h2") == "2b");
        Assert.Equal(["/c/enroll/h1", "/c/enroll/h4", "/c/hosts/h2", "/c/hosts/h3"], watch.Mirror.Entries.Keys);
        Assert.Null(watch.Connection.DisconnectedSince);
        Assert.Equal(2, watch.FullReads); // resumed by revision: no re-read

        stop.Cancel();
        await run;
    }

    [EtcdFact]
    public async Task A_watch_behind_a_compaction_reads_its_prefix_again_and_forgets_deleted_keys()
    {
        using var etcd = new EtcdServer();
        await using var store = etcd.OpenStore();
        var ct = TestContext.Current;
        await store.PutAsync("/c/hosts/h1", B("1"), 0, ct);
        await store.PutAsync("/c/hosts/h2", B("2"), 0, ct);
        var watch = new ClusterWatch(store, ["/c/hosts/"], TimeProvider.System);

        using (var first = new CancellationTokenSource())
        {
            var run = watch.RunAsync(first.Token);
            await Until(watch, w => w.Connection.Connected && w.Mirror.Entries.Count == 2);
            first.Cancel();
            await run;
        }
        // While the watch is away: changes, then a compaction past the revision it was at.
        await store.DeleteAsync("/c/hosts/h1", ct);
        await store.PutAsync("/c/hosts/h2", B("2b"), 0, ct);
        long last = await store.PutAsync("/c/hosts/h3", B("3"), 0, ct);
        var (code, output) = etcd.Ctl("compact", last.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(code == 0, output);

        using var second = new CancellationTokenSource();
        var again = watch.RunAsync(second.Token);
        await Until(watch, w => w.FullReads == 2 && w.Connection.Connected);
        Assert.Equal(["/c/hosts/h2", "/c/hosts/h3"], watch.Mirror.Entries.Keys);
        Assert.Equal("2b", Value(watch.Mirror, "/c/hosts/h2"));
        Assert.True(watch.Mirror.Revision >= last);

        // And it keeps watching after the re-read.
        await store.PutAsync("/c/hosts/h4", B("4"), 0, ct);
        await Until(watch, w => w.Mirror.Get("/c/hosts/h4") is not null);
        second.Cancel();
        await again;
    }

    [EtcdFact]
    public async Task A_daemon_started_without_the_store_reports_disconnected_since_its_start_then_loads()
    {
        using var etcd = new EtcdServer();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
        await using var store = etcd.OpenStore(TimeSpan.FromSeconds(1));
        etcd.Kill();
        var watch = new ClusterWatch(store, ["/c/hosts/"], time, backoff: () => new Backoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(100)));
        using var stop = new CancellationTokenSource();
        var run = watch.RunAsync(stop.Token);
        await Until(watch, w => w.Connection.LastError is not null);
        Assert.False(watch.Connection.Connected);
        Assert.Equal(time.GetUtcNow(), watch.Connection.DisconnectedSince);
        Assert.False(watch.Mirror.Loaded);

        etcd.Start();
        // The fake clock drives the retry delay.
        using var ticker = new Timer(_ => time.Advance(TimeSpan.FromMilliseconds(100)), null, 50, 50);
        await Until(watch, w => w.Connection.Connected && w.Mirror.Loaded);
        stop.Cancel();
        await run;
    }
}
