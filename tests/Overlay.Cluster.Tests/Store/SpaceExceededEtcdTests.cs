using Overlay.Cluster.Store;
using Overlay.Cluster.Tests.Etcd;

namespace Overlay.Cluster.Tests.Store;

/// <summary>A full store is a reported state, not a crash, and the operator's documented recovery (docs/cluster.md,
/// "Store hygiene") brings writes back.</summary>
[Collection("etcd")]
public class SpaceExceededEtcdTests
{
    [EtcdFact]
    public async Task A_full_store_reports_space_exceeded_and_recovers_after_compact_defrag_and_disarm()
    {
        using var etcd = new EtcdServer(quotaBackendBytes: 2 * 1024 * 1024);
        await using var store = etcd.OpenStore();
        var ct = TestContext.Current;
        byte[] value = new byte[256 * 1024];
        ClusterStoreException? full = null;
        long last = 0;
        for (int i = 0; i < 200 && full is null; i++)
        {
            try
            {
                // One key rewritten: the space goes to its old revisions, which only a compaction frees.
                last = await store.PutAsync("/t/fill", value, 0, ct);
            }
            catch (ClusterStoreException e)
            {
                full = e;
            }
        }

        Assert.NotNull(full);
        Assert.Equal(ClusterStoreErrorKind.SpaceExceeded, full.Kind);
        Assert.Contains("database space exceeded", full.Message);

        // Reads still work; writes keep failing the same way (no crash, no other error).
        Assert.NotNull((await store.GetAsync("/t/fill", ct)).Kv);
        var again = await Assert.ThrowsAsync<ClusterStoreException>(() => store.PutAsync("/t/small", "x"u8.ToArray(), 0, ct));
        Assert.Equal(ClusterStoreErrorKind.SpaceExceeded, again.Kind);

        // The operator: compact to the newest revision, defragment, disarm the NOSPACE alarm.
        await store.CompactAsync(last, ct);
        var (code, output) = etcd.Ctl("defrag");
        Assert.True(code == 0, output);
        (code, output) = etcd.Ctl("alarm", "disarm");
        Assert.True(code == 0, output);
        (code, output) = etcd.Ctl("alarm", "list");
        Assert.True(code == 0 && !output.Contains("NOSPACE", StringComparison.Ordinal), output);

        await store.PutAsync("/t/small", "x"u8.ToArray(), 0, ct);
        Assert.NotNull((await store.GetAsync("/t/small", ct)).Kv);
    }
}
