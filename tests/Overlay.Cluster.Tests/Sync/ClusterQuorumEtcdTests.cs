using System.Diagnostics;
using System.Text;
using Overlay.Cluster.Store;
using Overlay.Cluster.Sync;
using Overlay.Cluster.Tests.Etcd;
using Overlay.Cluster.Tests.Store;
using Xunit.Abstractions;

namespace Overlay.Cluster.Tests.Sync;

/// <summary>Against a real three-member etcd: one member down changes nothing; two down (no quorum) makes writes fail as
/// Unavailable and the watch disconnected with its mirror kept; the members back, everything converges.</summary>
[Collection("etcd")]
public class ClusterQuorumEtcdTests(ITestOutputHelper output)
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [EtcdFact]
    public async Task One_member_down_changes_nothing_two_down_is_reported_and_the_return_converges()
    {
        using var cluster = new EtcdCluster();
        await using var store = cluster.OpenStore(TimeSpan.FromSeconds(2));
        var ct = TestContext.Current;
        await store.PutAsync("/c/hosts/h1", B("1"), 0, ct);
        var watch = new ClusterWatch(store, ["/c/hosts/"], TimeProvider.System);
        using var stop = new CancellationTokenSource();
        var run = watch.RunAsync(stop.Token);
        await watch.WaitUntilAsync(w => w.Connection.Connected && w.Mirror.Loaded, ct);

        cluster.Members[0].Kill();
        // If it was the leader the others elect a new one (election timeout 1 s here): writes wait for that at most.
        var gap = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await store.PutAsync("/c/hosts/n", B("x"), 0, ct);
                break;
            }
            catch (ClusterStoreException e) when (e.Kind == ClusterStoreErrorKind.Unavailable && gap.Elapsed < TimeSpan.FromSeconds(10))
            {
                output.WriteLine($"during the election: {e.Message}");
            }
        }

        output.WriteLine($"first write after one member was killed: {gap.ElapsedMilliseconds} ms");
        // From then on every request succeeds (the balancer skips the dead member; a retry goes elsewhere).
        for (int i = 0; i < 10; i++)
        {
            await store.PutAsync($"/c/hosts/n{i}", B("x"), 0, ct);
            Assert.NotNull((await store.GetAsync($"/c/hosts/n{i}", ct)).Kv);
        }

        await watch.WaitUntilAsync(w => w.Mirror.Get("/c/hosts/n9") is not null, ct);
        Assert.True(watch.Connection.Connected || watch.Connection.LastError is not null);
        await watch.WaitUntilAsync(w => w.Connection.Connected, ct);
        var kept = watch.Mirror;

        cluster.Members[1].Kill();
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<ClusterStoreException>(() => store.PutAsync("/c/hosts/h9", B("9"), 0, ct));
        output.WriteLine($"write without quorum failed after {clock.ElapsedMilliseconds} ms: {error.Message}");
        Assert.Equal(ClusterStoreErrorKind.Unavailable, error.Kind);
        clock.Restart();
        await watch.WaitUntilAsync(w => !w.Connection.Connected, new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        output.WriteLine($"watch disconnected {clock.ElapsedMilliseconds} ms after quorum loss: {watch.Connection.LastError}");
        Assert.Same(kept, watch.Mirror);

        cluster.Members[0].Start(waitReady: false);
        cluster.Members[1].Start(waitReady: false);
        cluster.Members[0].WaitReady();
        clock.Restart();
        await store.PutAsync("/c/hosts/h9", B("9"), 0, ct);
        await watch.WaitUntilAsync(w => w.Connection.Connected && w.Mirror.Get("/c/hosts/h9") is not null, ct);
        output.WriteLine($"converged {clock.ElapsedMilliseconds} ms after the first write with quorum back");
        Assert.Equal(1, watch.FullReads);
        stop.Cancel();
        await run;
    }
}
