using Overlay.Cluster.Keys;
using Overlay.Cluster.Records;
using Overlay.Cluster.Registration;
using Overlay.Cluster.Store;
using Overlay.Cluster.Sync;
using Overlay.Cluster.Tests.Etcd;
using Overlay.Cluster.Tests.Store;

namespace Overlay.Cluster.Tests.Registration;

[Collection("etcd")]
public class HostRegistrarEtcdTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    private static HostRegistration Reg(string host, params string[] tvds) => new()
    {
        Host = host,
        Underlay = ["10.9.0.1"],
        IkePort = 500,
        NattPort = 4500,
        AkSha256 = "",
        Tpm = HostRegistration.TpmNone,
        Tvds = tvds,
        DaemonVersion = "1",
        RegisteredAt = At,
    };

    private static Task Until<T>(Func<Func<T, bool>, CancellationToken, Task> waitUntil, Func<T, bool> condition) =>
        waitUntil(condition, new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);

    [EtcdFact]
    public async Task Registers_under_a_lease_rewrites_on_change_registers_again_after_a_lost_lease_and_leaves_on_stop()
    {
        using var etcd = new EtcdServer();
        await using var store = etcd.OpenStore();
        var ct = TestContext.Current;
        var keys = ClusterKeys.Default;
        var registrar = new HostRegistrar(store, keys, Reg("h1", "red"), TimeSpan.FromSeconds(3), TimeProvider.System);
        using var stop = new CancellationTokenSource();
        var run = registrar.RunAsync(stop.Token);
        await Until<HostRegistrar>(registrar.WaitUntilAsync, r => r.Registered);

        var stored = (await store.GetAsync(keys.Host("h1"), ct)).Kv!;
        Assert.Equal(registrar.Lease, stored.Lease);
        Assert.True(HostRegistration.TryParse(stored.Value, out var parsed, out _));
        Assert.Equal(["red"], parsed.Tvds);

        // Kept alive past its TTL.
        await Task.Delay(TimeSpan.FromSeconds(4), ct);
        Assert.Equal(stored.ModRevision, (await store.GetAsync(keys.Host("h1"), ct)).Kv!.ModRevision);

        registrar.Update(Reg("h1", "red", "blue"));
        await WaitForAsync(async () => (await store.GetAsync(keys.Host("h1"), ct)).Kv!.ModRevision > stored.ModRevision);
        long afterUpdate = (await store.GetAsync(keys.Host("h1"), ct)).Kv!.ModRevision;
        registrar.Update(Reg("h1", "red", "blue"));
        await Task.Delay(500, ct);
        Assert.Equal(afterUpdate, (await store.GetAsync(keys.Host("h1"), ct)).Kv!.ModRevision); // same content: no write

        // The lease is lost (as after a partition longer than its TTL): a new one, and the registration again.
        long lost = registrar.Lease;
        await store.RevokeLeaseAsync(lost, ct);
        Assert.Null((await store.GetAsync(keys.Host("h1"), ct)).Kv);
        await Until<HostRegistrar>(registrar.WaitUntilAsync, r => r.Registered && r.Lease != lost && r.Lease != 0);
        var again = (await store.GetAsync(keys.Host("h1"), ct)).Kv!;
        Assert.Equal(registrar.Lease, again.Lease);
        Assert.Equal(2, registrar.Grants);

        stop.Cancel();
        await run;
        Assert.Null((await store.GetAsync(keys.Host("h1"), ct)).Kv); // revoked on stop: gone at once
    }

    [EtcdFact]
    public async Task A_registration_whose_lease_is_not_kept_alive_expires_and_the_watchers_see_it_go()
    {
        using var etcd = new EtcdServer();
        await using var store = etcd.OpenStore();
        var ct = TestContext.Current;
        var keys = ClusterKeys.Default;
        var watch = new ClusterWatch(store, [keys.HostsPrefix], TimeProvider.System);
        using var stop = new CancellationTokenSource();
        var run = watch.RunAsync(stop.Token);

        // A host that died: its lease is granted and used, then never refreshed.
        long lease = await store.GrantLeaseAsync(TimeSpan.FromSeconds(2), ct);
        await store.PutAsync(keys.Host("h2"), Reg("h2").ToJson(), lease, ct);
        await watch.WaitUntilAsync(w => w.Mirror.Get(keys.Host("h2")) is not null, ct);
        var seen = System.Diagnostics.Stopwatch.StartNew();
        await watch.WaitUntilAsync(w => w.Mirror.Get(keys.Host("h2")) is null, ct);
        // etcd expires a lease no earlier than its TTL; it checks expiry every 500 ms.
        Assert.InRange(seen.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
        stop.Cancel();
        await run;
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "condition not met within 20 s");
            await Task.Delay(50);
        }
    }
}
