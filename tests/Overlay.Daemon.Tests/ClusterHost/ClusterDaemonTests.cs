using System.Diagnostics;
using System.Text.Json;
using Overlay.Cluster.Keys;
using Overlay.Cluster.Records;
using Overlay.Cluster.Store;
using Overlay.Cluster.Tests.Etcd;
using Overlay.Daemon.Tests.Support;
using Xunit.Abstractions;

namespace Overlay.Daemon.Tests.ClusterHost;

/// <summary>
/// The real daemon in cluster mode against a real etcd (one member on 127.0.0.1): it registers under a lease, commits a
/// pushed policy and says so in <c>results/&lt;host&gt;</c>, refuses a bad one with the conflict, judges the inventory
/// (<c>hosts</c> verb), and stays up and enforcing when etcd goes away — status says disconnected — and reconnects
/// when it is back, without a restart.
/// </summary>
[Collection("etcd")]
public sealed class ClusterDaemonTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly ClusterKeys Keys = ClusterKeys.Default;

    [EtcdFact]
    public async Task Registers_follows_the_stores_policy_and_survives_the_store_going_away()
    {
        using var etcd = new EtcdServer();
        await using EtcdClusterStore store = etcd.OpenStore();
        int metricsPort = FreeTcpPort();
        using var daemon = new DaemonProcess(extraConfig: $"""

            [metrics]
            listen = "127.0.0.1:{metricsPort}"

            [dataplane]
            underlay = ["127.0.0.1", "::1"]
            port = {FreeUdpPort()}

            [cluster]
            endpoints = ["http://127.0.0.1:{etcd.ClientPort}"]
            lease_ttl_s = 4
            peer_grace_s = 2
            """);
        JsonElement status = await daemon.StartAndWaitReadyAsync();

        // Registered under a lease, with what this host is.
        StoreKeyValue registered = await WaitForKeyAsync(store, Keys.Host("host1"), kv => kv is not null);
        Assert.NotEqual(0, registered.Lease);
        long ttl = await store.LeaseTimeToLiveAsync(registered.Lease, CancellationToken.None);
        Assert.InRange(ttl, 1, 4);
        Assert.True(HostRegistration.TryParse(registered.Value, out HostRegistration self, out string error), error);
        Assert.Equal(["127.0.0.1", "::1"], self.Underlay); // a dual-stack host registers both of its underlay addresses
        string? ak = status.GetProperty("attest").TryGetProperty("ak", out JsonElement akStatus) ? akStatus.GetProperty("fingerprint").GetString() : "";
        Assert.True(ak == self.AkSha256, $"status ak {ak}, registered {self.AkSha256}, tpm {self.Tpm}");
        // The watch (connected) and the registrar (registered) are separate parts: each may be first.
        status = await daemon.WaitForStatusAsync(s => s.GetProperty("cluster").GetProperty("connected").GetBoolean()
            && s.GetProperty("cluster").GetProperty("registered").GetBoolean(), Bound);
        Assert.Equal(JsonValueKind.Null, status.GetProperty("cluster").GetProperty("disconnected_since").ValueKind);
        await WaitForMetricAsync(metricsPort, @"(?m)^tvd_cluster_connected(\{[^}]*\})? 1\b");

        // Its key deleted by hand under its live lease: the daemon puts it back.
        await store.DeleteAsync(Keys.Host("host1"), CancellationToken.None);
        await WaitForKeyAsync(store, Keys.Host("host1"), kv => kv is { Lease: not 0 });

        // A push the daemon takes: committed, in force, said so under results/host1.
        // A pushed policy names its files by absolute path (relative ones resolve in <state_dir>/cluster/: docs/cluster.md).
        string v1 = await File.ReadAllTextAsync(daemon.PolicyFile);
        string reference = Path.Combine(Path.GetDirectoryName(daemon.PolicyFile)!, "reference.txt");
        string v2 = v1.Replace("version = 1", "version = 2\nreplaces = 1", StringComparison.Ordinal)
            .Replace("reference_values = \"reference.txt\"", $"reference_values = \"{reference}\"", StringComparison.Ordinal);
        var clock = Stopwatch.StartNew();
        await PushAsync(store, PolicyRecord.Create(2, 1, v2, revoke: false, "test", DateTimeOffset.UtcNow));
        PolicyResult committed = await WaitForResultAsync(store, r => r.Version == 2);
        output.WriteLine($"push -> results/host1 committed: {clock.ElapsedMilliseconds} ms");
        Assert.True((PolicyResult.Committed, 2L) == (committed.Result, committed.Running), $"{committed.Result}: {committed.Summary} {string.Join("; ", committed.Conflicts)}");
        Assert.Empty(committed.Conflicts);
        status = await daemon.WaitForStatusAsync(s => s.GetProperty("policy").GetProperty("version").GetInt64() == 2, Bound);
        Assert.Equal(2, status.GetProperty("cluster").GetProperty("policy_version_in_store").GetInt64());

        // A push it must refuse (it drops this host): refused with the conflict; version 2 stays in force.
        string v3 = v2.Replace("version = 2\nreplaces = 1", "version = 3\nreplaces = 2", StringComparison.Ordinal)
            .Replace("name = \"host1\"", "name = \"host9\"", StringComparison.Ordinal);
        await PushAsync(store, PolicyRecord.Create(3, 2, v3, revoke: false, "test", DateTimeOffset.UtcNow));
        PolicyResult refused = await WaitForResultAsync(store, r => r.Version == 3);
        Assert.Equal((PolicyResult.Refused, 2L), (refused.Result, refused.Running));
        Assert.Contains(refused.Conflicts, c => c.Contains("host1", StringComparison.Ordinal));
        status = await ControlSocketClient.StatusAsync(daemon.SocketPath);
        Assert.Equal(2, status.GetProperty("policy").GetProperty("version").GetInt64());
        Assert.Equal("refused", status.GetProperty("cluster").GetProperty("last_result").GetProperty("result").GetString());

        // The inventory: host2 registered but not enrolled is ignored; enrolled with its AK it is admitted; gone, it
        // stays for the grace period, then leaves.
        string host2Ak = new('a', 64);
        await store.PutAsync(Keys.Host("host2"), Registration("host2", "127.0.0.2", host2Ak).ToJson(), 0, CancellationToken.None);
        JsonElement hosts = await WaitForHostsAsync(daemon, h => h.GetProperty("ignored").GetArrayLength() == 1);
        Assert.Equal("not_enrolled", hosts.GetProperty("ignored")[0].GetProperty("reason").GetString());
        await store.PutAsync(Keys.Enroll("host2"), new Enrollment { Host = "host2", AkSha256 = host2Ak, EnrolledBy = "test", EnrolledAt = DateTimeOffset.UtcNow }.ToJson(),
            0, CancellationToken.None);
        hosts = await WaitForHostsAsync(daemon, h => h.GetProperty("admitted").GetArrayLength() == 1);
        JsonElement host2 = hosts.GetProperty("admitted")[0];
        Assert.Equal(("host2", "live", "127.0.0.2"), (host2.GetProperty("host").GetString(), host2.GetProperty("state").GetString(), host2.GetProperty("address").GetString()));
        await store.DeleteAsync(Keys.Host("host2"), CancellationToken.None);
        hosts = await WaitForHostsAsync(daemon, h => h.GetProperty("admitted").EnumerateArray().Any(a => a.GetProperty("state").GetString() == "grace"));
        await WaitForMetricAsync(metricsPort, @"(?m)^tvd_cluster_peers\{[^}]*state=""grace""[^}]*\} 1\b");
        await WaitForHostsAsync(daemon, h => h.GetProperty("admitted").GetArrayLength() == 0);

        // The store goes away: the daemon keeps running version 2 and says since when it is disconnected.
        clock.Restart();
        etcd.Kill();
        status = await daemon.WaitForStatusAsync(s => !s.GetProperty("cluster").GetProperty("connected").GetBoolean(), Bound);
        output.WriteLine($"etcd killed -> status disconnected: {clock.ElapsedMilliseconds} ms");
        Assert.Equal(JsonValueKind.String, status.GetProperty("cluster").GetProperty("disconnected_since").ValueKind);
        Assert.Equal(2, status.GetProperty("policy").GetProperty("version").GetInt64());
        await daemon.ExpectOutputAsync("cluster: disconnected since");
        await WaitForMetricAsync(metricsPort, @"(?m)^tvd_cluster_connected(\{[^}]*\})? 0\b");

        // Restarted while the store is away, it starts from the version it last committed from the store, not its file's.
        daemon.Signal(Signals.SIGTERM);
        Assert.Equal(0, await daemon.WaitForExitAsync());
        status = await daemon.StartAndWaitReadyAsync();
        Assert.Equal(2, status.GetProperty("policy").GetProperty("version").GetInt64());
        Assert.EndsWith("/state/cluster/policy-v2.toml", status.GetProperty("policy").GetProperty("source").GetString(), StringComparison.Ordinal);
        Assert.False(status.GetProperty("cluster").GetProperty("connected").GetBoolean());
        await daemon.ExpectOutputAsync("cluster mode: starting with version 2 last committed from the store");

        // Back: connected again and registered again without another restart; version 2 stays (3 is still refused).
        clock.Restart();
        etcd.Start();
        status = await daemon.WaitForStatusAsync(s => s.GetProperty("cluster").GetProperty("connected").GetBoolean()
            && s.GetProperty("cluster").GetProperty("registered").GetBoolean(), Bound);
        output.WriteLine($"etcd started -> status connected and registered: {clock.ElapsedMilliseconds} ms (etcd's own start included)");
        Assert.Equal(JsonValueKind.Null, status.GetProperty("cluster").GetProperty("disconnected_since").ValueKind);
        await WaitForKeyAsync(store, Keys.Host("host1"), kv => kv is { Lease: not 0 });
        Assert.Equal(2, status.GetProperty("policy").GetProperty("version").GetInt64());
    }

    [EtcdFact]
    public async Task Two_hosts_find_each_other_in_the_inventory_alone_and_an_unenrolled_one_loses_its_sas()
    {
        using var etcd = new EtcdServer();
        await using EtcdClusterStore store = etcd.OpenStore();
        string Config(string address) => $"""

            [dataplane]
            underlay = "{address}"
            port = {FreeUdpPort(address)}

            [ike]
            ike_port = {FreeUdpPort(address)}
            psk = "one key for the cluster test hosts"
            shared_psk = true
            retry_interval = 1

            [cluster]
            endpoints = ["http://127.0.0.1:{etcd.ClientPort}"]
            lease_ttl_s = 4
            peer_grace_s = 2
            """;
        using var host1 = new DaemonProcess("host1", Config("127.0.0.1"));
        using var host2 = new DaemonProcess("host2", Config("127.0.0.2"));
        JsonElement status1 = await host1.StartAndWaitReadyAsync();
        JsonElement status2 = await host2.StartAndWaitReadyAsync();

        // Neither config names the other: registered but not enrolled, nobody is a peer.
        JsonElement hosts = await WaitForHostsAsync(host1, h => h.GetProperty("ignored").GetArrayLength() == 1);
        Assert.Equal(("host2", "not_enrolled"), (hosts.GetProperty("ignored")[0].GetProperty("host").GetString(), hosts.GetProperty("ignored")[0].GetProperty("reason").GetString()));

        // The administrator enrolls both AKs: they peer, and green (no attestation) comes up between them.
        await EnrollAsync(store, "host1", AkOf(status1));
        var clock = Stopwatch.StartNew();
        await EnrollAsync(store, "host2", AkOf(status2));
        await WaitForHostsAsync(host1, h => h.GetProperty("admitted").GetArrayLength() == 1);
        status1 = await host1.WaitForStatusAsync(s => ChildLabels(s).Contains("tvd:green"), Bound);
        output.WriteLine($"enrollment -> green CHILD_SA up on host1: {clock.ElapsedMilliseconds} ms");
        Assert.Contains(status1.GetProperty("ike").GetProperty("ike_sas").EnumerateArray(),
            sa => sa.GetProperty("peer").GetString() == "host2" && sa.GetProperty("state").GetString() == "established");
        await host2.WaitForStatusAsync(s => ChildLabels(s).Contains("tvd:green"), Bound);

        // Unenrolled: host2 is no peer of host1 any more, and host1 deletes its IKE SA (and the CHILD_SAs with it).
        clock.Restart();
        await store.DeleteAsync(Keys.Enroll("host2"), CancellationToken.None);
        await host1.WaitForStatusAsync(s => !s.GetProperty("ike").GetProperty("ike_sas").EnumerateArray()
            .Any(sa => sa.GetProperty("state").GetString() == "established") && ChildLabels(s).Count == 0, Bound);
        output.WriteLine($"unenrollment -> host1's IKE SA and CHILD_SAs gone: {clock.ElapsedMilliseconds} ms");
        await host1.ExpectOutputAsync("ike: peer host2 (127.0.0.2) left the peer list: deleting its IKE SA");
        await host2.WaitForStatusAsync(s => ChildLabels(s).Count == 0, Bound); // the DELETE reached it
        hosts = await WaitForHostsAsync(host1, h => h.GetProperty("ignored").GetArrayLength() == 1);
        Assert.Equal("not_enrolled", hosts.GetProperty("ignored")[0].GetProperty("reason").GetString());
    }

    [EtcdFact]
    public async Task Attested_ikes_challenge_is_the_clusters_epoch_while_it_is_fresh()
    {
        using var etcd = new EtcdServer();
        await using EtcdClusterStore store = etcd.OpenStore();
        using var daemon = new DaemonProcess(extraConfig: $"""

            [dataplane]
            underlay = "127.0.0.1"
            port = {FreeUdpPort()}

            [cluster]
            endpoints = ["http://127.0.0.1:{etcd.ClientPort}"]
            epoch_period_s = 2
            """);
        // A max_age of 15 s makes the challenge period 5 s (a third of it) instead of the example's 20 s: the fallback
        // below comes a period after the store goes.
        string policy = File.ReadAllText(daemon.PolicyFile);
        Assert.Contains("max_age = 60 ", policy);
        File.WriteAllText(daemon.PolicyFile, policy.Replace("max_age = 60 ", "max_age = 15 ", StringComparison.Ordinal));
        await daemon.StartAndWaitReadyAsync();

        // The only candidate wins the election and publishes; its verifier then hands the epoch out as its challenge.
        JsonElement status = await daemon.WaitForStatusAsync(s => s.GetProperty("attest").GetProperty("handshakes")
            .GetProperty("challenge_source").GetString() == "cluster_epoch", Bound);
        StoreKeyValue published = await WaitForKeyAsync(store, Keys.EpochCurrent, kv => kv is not null);
        Assert.True(EpochRecord.TryParse(published.Value, out EpochRecord epoch, out string error), error);
        Assert.Equal("host1", epoch.Leader);
        DateTimeOffset issued = status.GetProperty("attest").GetProperty("handshakes").GetProperty("challenge_issued_at").GetDateTimeOffset();
        Assert.True(issued <= DateTimeOffset.UtcNow && DateTimeOffset.UtcNow - issued < TimeSpan.FromSeconds(10), $"challenge issued at {issued:O}");

        // The store gone: no newer epoch arrives, and once the last one is a challenge period old (5 s) the host's own
        // challenges fill in.
        Assert.Equal(5, status.GetProperty("attest").GetProperty("handshakes").GetProperty("challenge_period_s").GetDouble());
        etcd.Kill();
        await daemon.WaitForStatusAsync(s => s.GetProperty("attest").GetProperty("handshakes")
            .GetProperty("challenge_source").GetString() == "own", Bound);
    }

    private static string AkOf(JsonElement status) => status.GetProperty("attest").GetProperty("ak").GetProperty("fingerprint").GetString()!;

    private static Task EnrollAsync(IClusterStore store, string host, string ak) =>
        store.PutAsync(Keys.Enroll(host), new Enrollment { Host = host, AkSha256 = ak, EnrolledBy = "test", EnrolledAt = DateTimeOffset.UtcNow }.ToJson(),
            0, CancellationToken.None);

    private static List<string> ChildLabels(JsonElement status) =>
        status.GetProperty("ike").TryGetProperty("child_sas", out JsonElement children)
            ? [.. children.EnumerateArray().Select(c => c.GetProperty("label").GetString()!)]
            : [];

    private static HostRegistration Registration(string host, string address, string ak) => new()
    {
        Host = host,
        Underlay = [address],
        IkePort = 500,
        NattPort = 4500,
        AkSha256 = ak,
        Tpm = HostRegistration.TpmHardware,
        Tvds = [],
        DaemonVersion = "test",
        RegisteredAt = DateTimeOffset.UtcNow,
    };

    private static Task PushAsync(IClusterStore store, PolicyRecord record) =>
        store.PutAsync(Keys.PolicyCurrent, record.ToJson(), 0, CancellationToken.None);

    private static async Task<StoreKeyValue> WaitForKeyAsync(IClusterStore store, string key, Func<StoreKeyValue?, bool> done)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                StoreRead read = await store.GetAsync(key, CancellationToken.None);
                if (done(read.Kv))
                {
                    return read.Kv!;
                }
            }
            catch (ClusterStoreException) when (clock.Elapsed < Bound)
            {
                // etcd just came back: ask again.
            }

            Assert.True(clock.Elapsed < Bound, $"{key} never reached the expected state");
            await Task.Delay(100);
        }
    }

    private static async Task<PolicyResult> WaitForResultAsync(IClusterStore store, Func<PolicyResult, bool> done)
    {
        PolicyResult? result = null;
        await WaitForKeyAsync(store, Keys.Result("host1"), kv => kv is not null && PolicyResult.TryParse(kv.Value, out result, out _) && done(result));
        return result!;
    }

    private static async Task<JsonElement> WaitForHostsAsync(DaemonProcess daemon, Func<JsonElement, bool> done)
    {
        var clock = Stopwatch.StartNew();
        JsonElement hosts = default;
        while (clock.Elapsed < Bound)
        {
            string reply = await ControlSocketClient.ExchangeAsync(daemon.SocketPath, "{\"verb\":\"hosts\"}");
            using var document = JsonDocument.Parse(reply);
            Assert.True(document.RootElement.GetProperty("ok").GetBoolean(), reply);
            hosts = document.RootElement.GetProperty("hosts").Clone();
            if (done(hosts))
            {
                return hosts;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"the hosts view never reached the expected state; last: {hosts}\n{daemon.Output}");
    }

    private static async Task WaitForMetricAsync(int port, string pattern)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        string text = "";
        while (clock.Elapsed < Bound)
        {
            text = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics");
            if (System.Text.RegularExpressions.Regex.IsMatch(text, pattern))
            {
                return;
            }

            await Task.Delay(200);
        }

        Assert.Fail($"no metric line matches {pattern}:\n{string.Join('\n', text.Split('\n').Where(l => l.StartsWith("tvd_cluster", StringComparison.Ordinal)))}");
    }

    private static int FreeTcpPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static int FreeUdpPort(string address = "127.0.0.1")
    {
        using var socket = new System.Net.Sockets.UdpClient(new System.Net.IPEndPoint(System.Net.IPAddress.Parse(address), 0));
        return ((System.Net.IPEndPoint)socket.Client.LocalEndPoint!).Port;
    }
}
