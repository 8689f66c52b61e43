using Overlay.Cluster.Epoch;
using Overlay.Cluster.Keys;
using Overlay.Cluster.Records;
using Overlay.Cluster.Tests.Etcd;
using Overlay.Cluster.Tests.Store;

namespace Overlay.Cluster.Tests.Epoch;

[Collection("etcd")]
public class EpochPublisherEtcdTests
{
    [EtcdFact]
    public async Task One_of_three_candidates_leads_publishes_fresh_values_every_period_and_another_takes_over_when_it_stops()
    {
        using var etcd = new EtcdServer();
        var ct = TestContext.Current;
        var keys = ClusterKeys.Default;
        var stores = new[] { etcd.OpenStore(), etcd.OpenStore(), etcd.OpenStore() };
        var publishers = stores.Select((s, i) => new EpochPublisher(s, keys, $"h{i + 1}", TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1), TimeProvider.System)).ToArray();
        var stops = publishers.Select(_ => new CancellationTokenSource()).ToArray();
        var runs = publishers.Select((p, i) => p.RunAsync(stops[i].Token)).ToArray();

        await Task.WhenAny(publishers.Select(p => p.WaitUntilAsync(x => x.IsLeader && x.Epoch >= 1, ct)));
        var leader = Assert.Single(publishers, p => p.IsLeader);
        int li = Array.IndexOf(publishers, leader);

        var values = new HashSet<string>();
        long lastEpoch = 0;
        var store = stores[(li + 1) % 3];
        for (int i = 0; i < 3; i++)
        {
            await leader.WaitUntilAsync(p => p.Epoch > lastEpoch, ct);
            var kv = (await store.GetAsync(keys.EpochCurrent, ct)).Kv!;
            Assert.True(EpochRecord.TryParse(kv.Value, out var record, out string error), error);
            Assert.Equal($"h{li + 1}", record.Leader);
            Assert.Equal(32, record.ValueBytesArray().Length);
            Assert.True(values.Add(record.Value), "an epoch value repeated");
            Assert.True(record.Epoch > lastEpoch);
            lastEpoch = record.Epoch;
        }

        Assert.Single(publishers, p => p.IsLeader);

        // The leader stops (its lease is revoked): another candidate is elected and continues the epoch count.
        stops[li].Cancel();
        await runs[li];
        await Task.WhenAny(publishers.Where(p => p != leader).Select(p => p.WaitUntilAsync(x => x.IsLeader && x.Epoch > 0, ct)));
        var next = Assert.Single(publishers, p => p.IsLeader);
        Assert.NotSame(leader, next);
        Assert.True(EpochRecord.TryParse((await store.GetAsync(keys.EpochCurrent, ct)).Kv!.Value, out var taken, out _));
        Assert.True(taken.Epoch > lastEpoch);
        Assert.Equal($"h{Array.IndexOf(publishers, next) + 1}", taken.Leader);

        foreach (var s in stops)
        {
            s.Cancel();
        }

        await Task.WhenAll(runs);
        foreach (var s in stores)
        {
            await s.DisposeAsync();
        }
    }
}
