using Overlay.Cluster.Keys;
using Overlay.Cluster.Records;
using Overlay.Cluster.Rollout;
using Overlay.Cluster.Store;
using Overlay.Cluster.Tests.Etcd;
using Overlay.Cluster.Tests.Store;

namespace Overlay.Cluster.Tests.Rollout;

[Collection("etcd")]
public class PolicyPublisherEtcdTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    [EtcdFact]
    public async Task Two_concurrent_pushes_over_the_same_version_exactly_one_wins_and_the_loser_learns_the_winner()
    {
        using var etcd = new EtcdServer();
        await using var a = etcd.OpenStore();
        await using var b = etcd.OpenStore();
        var ct = TestContext.Current;
        var keys = ClusterKeys.Default;
        var pa = new PolicyPublisher(a, keys);
        var pb = new PolicyPublisher(b, keys);
        Assert.Equal(PushStatus.Pushed, (await pa.PushAsync(PolicyRecord.Create(1, 0, "v = 1\n", false, "init", At), await pa.ReadCurrentAsync(ct), ct)).Status);

        for (int round = 0; round < 5; round++)
        {
            var headA = await pa.ReadCurrentAsync(ct);
            var headB = await pb.ReadCurrentAsync(ct);
            Assert.Equal((headA.Version, headA.ModRevision), (headB.Version, headB.ModRevision));
            var recA = PolicyRecord.Create(headA.Version + 1, headA.Version, $"from = 'alice' # {round}\n", false, "alice", At);
            var recB = PolicyRecord.Create(headB.Version + 1, headB.Version, $"from = 'bob' # {round}\n", false, "bob", At);
            var outcomes = await Task.WhenAll(pa.PushAsync(recA, headA, ct), pb.PushAsync(recB, headB, ct));

            Assert.Single(outcomes, o => o.Status == PushStatus.Pushed);
            var lost = Assert.Single(outcomes, o => o.Status == PushStatus.LostRace);
            var stored = (await pa.ReadCurrentAsync(ct)).Record!;
            Assert.Equal(headA.Version + 1, stored.Version);
            Assert.True(lost.Winner!.SamePush(stored));
            Assert.Contains($"lost to version {stored.Version} pushed by {stored.PushedBy} at 2026-12-06T12:00:00Z", lost.Message);
            // The loser's history entry was not written either (same transaction): history holds the winner's text.
            var history = await a.GetAsync(keys.PolicyHistory(stored.Version), ct);
            Assert.True(PolicyRecord.TryParse(history.Kv!.Value, out var h, out _));
            Assert.Equal(stored.Sha256, h.Sha256);
        }
    }

    [EtcdFact]
    public async Task A_push_must_be_newer_and_history_keeps_the_newest_ten()
    {
        using var etcd = new EtcdServer();
        await using var store = etcd.OpenStore();
        var ct = TestContext.Current;
        var keys = ClusterKeys.Default;
        var publisher = new PolicyPublisher(store, keys);
        for (long v = 1; v <= 13; v++)
        {
            var head = await publisher.ReadCurrentAsync(ct);
            var outcome = await publisher.PushAsync(PolicyRecord.Create(v * 2, head.Version, $"v = {v}\n", v == 13, "ops", At), head, ct);
            Assert.Equal(PushStatus.Pushed, outcome.Status);
        }

        var history = await store.GetPrefixKeysAsync(keys.PolicyHistoryPrefix, ct);
        Assert.Equal(Enumerable.Range(4, 10).Select(v => keys.PolicyHistory(v * 2)), history.Kvs.Select(k => k.Key));
        Assert.All(history.Kvs, k => Assert.Empty(k.Value));

        var now = await publisher.ReadCurrentAsync(ct);
        Assert.True(now.Record!.Revoke);
        var same = await publisher.PushAsync(PolicyRecord.Create(26, 26, "x", false, "ops", At), now, ct);
        Assert.Equal(PushStatus.NotNewer, same.Status);
        Assert.Contains("not above the store's version 26", same.Message);
    }

    [EtcdFact]
    public async Task A_retried_push_that_had_landed_counts_as_pushed_and_an_unreadable_current_can_be_replaced()
    {
        using var etcd = new EtcdServer();
        await using var store = etcd.OpenStore();
        var ct = TestContext.Current;
        var keys = ClusterKeys.Default;
        var publisher = new PolicyPublisher(store, keys);
        var head = await publisher.ReadCurrentAsync(ct);
        var record = PolicyRecord.Create(1, 0, "a = 1\n", false, "ops", At);
        Assert.Equal(PushStatus.Pushed, (await publisher.PushAsync(record, head, ct)).Status);
        // The same push again over the same (now stale) head: the answer of the first was "lost", the write was not.
        Assert.Equal(PushStatus.Pushed, (await publisher.PushAsync(record, head, ct)).Status);

        await store.PutAsync(keys.PolicyCurrent, "garbage"u8.ToArray(), 0, ct);
        var bad = await publisher.ReadCurrentAsync(ct);
        Assert.Null(bad.Record);
        Assert.NotNull(bad.Error);
        Assert.Equal(PushStatus.Pushed, (await publisher.PushAsync(PolicyRecord.Create(5, 0, "b = 1\n", false, "ops", At), bad, ct)).Status);
        Assert.Equal(5, (await publisher.ReadCurrentAsync(ct)).Version);
    }

    [EtcdFact]
    public async Task The_report_reads_live_hosts_and_results_from_the_store()
    {
        using var etcd = new EtcdServer();
        await using var store = etcd.OpenStore();
        var ct = TestContext.Current;
        var keys = ClusterKeys.Default;
        var publisher = new PolicyPublisher(store, keys);
        await publisher.PushAsync(PolicyRecord.Create(3, 0, "v = 3\n", false, "ops", At), await publisher.ReadCurrentAsync(ct), ct);
        long lease = await store.GrantLeaseAsync(TimeSpan.FromSeconds(30), ct);
        foreach (string h in new[] { "h1", "h2" })
        {
            await store.PutAsync(keys.Host(h), "{}"u8.ToArray(), lease, ct);
        }

        await store.PutAsync(keys.Result("h1"), new PolicyResult { Host = "h1", Version = 3, Running = 3, Result = PolicyResult.Committed, Summary = "", Conflicts = [], At = At }.ToJson(), 0, ct);
        // h9 has a result but no registration: not live, not counted.
        await store.PutAsync(keys.Result("h9"), new PolicyResult { Host = "h9", Version = 1, Running = 1, Result = PolicyResult.Committed, Summary = "", Conflicts = [], At = At }.ToJson(), 0, ct);

        var report = await RolloutReport.ReadAsync(store, keys, null, ct);
        Assert.Equal(3, report.Version);
        Assert.Equal([("h1", RolloutState.Committed), ("h2", RolloutState.Pending)], report.Hosts.Select(h => (h.Host, h.State)));
        Assert.False(report.Complete);

        await store.PutAsync(keys.Result("h2"), new PolicyResult { Host = "h2", Version = 3, Running = 3, Result = PolicyResult.Committed, Summary = "", Conflicts = [], At = At }.ToJson(), 0, ct);
        Assert.True((await RolloutReport.ReadAsync(store, keys, null, ct)).Complete);
        Assert.False((await RolloutReport.ReadAsync(store, keys, 4, ct)).Complete);

        await store.RevokeLeaseAsync(lease, ct);
        Assert.Empty((await RolloutReport.ReadAsync(store, keys, null, ct)).Hosts);
    }
}
