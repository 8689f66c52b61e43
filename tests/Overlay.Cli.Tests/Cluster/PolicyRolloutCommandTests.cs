using System.Diagnostics;
using System.Text.Json;
using Overlay.Cluster.Keys;
using Overlay.Cluster.Records;

namespace Overlay.Cli.Tests.Cluster;

/// <summary>
/// <c>tvdctl policy rollout</c> against a real etcd, with registrations (leased) and results written as daemons write
/// them: exit 0 only when every live host committed the version.
/// </summary>
public sealed class PolicyRolloutCommandTests : IClassFixture<ClusterFixture>
{
    private readonly ClusterFixture _cluster;

    public PolicyRolloutCommandTests(ClusterFixture cluster) => _cluster = cluster;

    private async Task<ClusterKeys> SetUpAsync(long pushedVersion, params string[] liveHosts)
    {
        var keys = ClusterFixture.NewKeys();
        await using var store = _cluster.OpenStore();
        var toml = File.ReadAllText(CliRunner.ExamplePolicy);
        var record = PolicyRecord.Create(pushedVersion, pushedVersion - 1, toml, false, "alice@admin", new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await store.PutAsync(keys.PolicyCurrent, record.ToJson(), 0, CancellationToken.None);
        foreach (var host in liveHosts)
        {
            await ClusterFixture.RegisterAsync(store, keys, ClusterFixture.Registration(host), TimeSpan.FromSeconds(60));
        }

        return keys;
    }

    private static JsonElement Row(JsonDocument doc, string host) =>
        doc.RootElement.GetProperty("hosts").EnumerateArray().Single(h => h.GetProperty("host").GetString() == host);

    [EtcdFact]
    public async Task Every_live_host_committed_is_exit_0_and_a_gone_hosts_old_result_does_not_count()
    {
        var keys = await SetUpAsync(2, "h1", "h2");
        await using (var store = _cluster.OpenStore())
        {
            await ClusterFixture.WriteResultAsync(store, keys, "h1", 2, PolicyResult.Committed, 2);
            await ClusterFixture.WriteResultAsync(store, keys, "h2", 2, PolicyResult.Committed, 2);
            await ClusterFixture.WriteResultAsync(store, keys, "gone", 1, PolicyResult.Committed, 1); // no registration: not live
        }

        var json = _cluster.Tvdctl(keys, "policy", "rollout", "--json");
        var text = _cluster.Tvdctl(keys, "policy", "rollout");

        Assert.Equal(0, json.ExitCode);
        using var doc = JsonDocument.Parse(json.StdOut);
        var root = doc.RootElement;
        Assert.Equal(2, root.GetProperty("version").GetInt64());
        Assert.True(root.GetProperty("complete").GetBoolean());
        Assert.Equal((2, 2, 0, 0), (root.GetProperty("live_hosts").GetInt32(), root.GetProperty("committed").GetInt32(),
            root.GetProperty("refused").GetInt32(), root.GetProperty("pending").GetInt32()));
        Assert.Equal(["h1", "h2"], root.GetProperty("hosts").EnumerateArray().Select(h => h.GetProperty("host").GetString()));
        var h1 = Row(doc, "h1");
        Assert.Equal((2, "committed", 2), (h1.GetProperty("running_version").GetInt64(), h1.GetProperty("result").GetString(),
            h1.GetProperty("result_version").GetInt64()));
        Assert.Equal("2030-01-02T03:04:06Z", h1.GetProperty("at").GetString());
        Assert.Equal("alice@admin", root.GetProperty("store_policy").GetProperty("pushed_by").GetString());
        Assert.Equal(0, text.ExitCode);
        Assert.StartsWith("policy version 2 (pushed by alice@admin at 2030-01-01T00:00:00Z): 2 of 2 live hosts committed, 0 refused, 0 pending\n", text.StdOut);
        Assert.Matches(@"(?m)^h1 +2 +committed +2030-01-02T03:04:06Z$", text.StdOut);
    }

    [EtcdFact]
    public async Task A_refusal_is_exit_1_with_its_conflicts_and_the_version_the_host_kept()
    {
        var keys = await SetUpAsync(3, "h1", "h2", "h3");
        const string conflict = "guest avis-web: chinese-wall: type avis conflicts with hertz of running guest hertz-web";
        await using (var store = _cluster.OpenStore())
        {
            await ClusterFixture.WriteResultAsync(store, keys, "h1", 3, PolicyResult.Committed, 3);
            await ClusterFixture.WriteResultAsync(store, keys, "h2", 3, PolicyResult.Refused, 2, conflict);
            await ClusterFixture.WriteResultAsync(store, keys, "h3", 2, PolicyResult.Committed, 2); // not yet at 3
        }

        var json = _cluster.Tvdctl(keys, "policy", "rollout", "--json");
        var text = _cluster.Tvdctl(keys, "policy", "rollout");

        Assert.Equal(1, json.ExitCode);
        using var doc = JsonDocument.Parse(json.StdOut);
        Assert.False(doc.RootElement.GetProperty("complete").GetBoolean());
        var h2 = Row(doc, "h2");
        Assert.Equal(("refused", 2L), (h2.GetProperty("result").GetString(), h2.GetProperty("running_version").GetInt64()));
        Assert.Equal([conflict], h2.GetProperty("conflicts").EnumerateArray().Select(c => c.GetString()));
        var h3 = Row(doc, "h3");
        Assert.Equal(("pending", 2L, 2L), (h3.GetProperty("result").GetString(), h3.GetProperty("running_version").GetInt64(),
            h3.GetProperty("result_version").GetInt64()));
        Assert.Equal(1, text.ExitCode);
        Assert.Contains("1 of 3 live hosts committed, 1 refused, 1 pending", text.StdOut);
        Assert.Matches(@"(?m)^h2 +2 +refused +2030-01-02T03:04:06Z +guest avis-web: chinese-wall: ", text.StdOut);
    }

    [EtcdFact]
    public async Task Version_selects_the_target_a_host_on_a_newer_one_is_newer_and_an_unreadable_result_is_invalid()
    {
        var keys = await SetUpAsync(3, "h1", "h2");
        await using (var store = _cluster.OpenStore())
        {
            await ClusterFixture.WriteResultAsync(store, keys, "h1", 3, PolicyResult.Committed, 3);
            await store.PutAsync(keys.Result("h2"), "{\"host\":\"h2\"}"u8.ToArray(), 0, CancellationToken.None);
        }

        var r = _cluster.Tvdctl(keys, "policy", "rollout", "--version", "2", "--json");
        var text = _cluster.Tvdctl(keys, "policy", "rollout", "--version", "2");

        Assert.Equal(1, r.ExitCode);
        using var doc = JsonDocument.Parse(r.StdOut);
        Assert.Equal(2, doc.RootElement.GetProperty("version").GetInt64());
        Assert.Equal((1, 1), (doc.RootElement.GetProperty("newer").GetInt32(), doc.RootElement.GetProperty("invalid").GetInt32()));
        Assert.Equal("newer", Row(doc, "h1").GetProperty("result").GetString());
        var h2 = Row(doc, "h2");
        Assert.Equal("invalid", h2.GetProperty("result").GetString());
        Assert.False(string.IsNullOrEmpty(h2.GetProperty("error").GetString()));
        Assert.Equal(JsonValueKind.Null, h2.GetProperty("running_version").ValueKind);
        Assert.Equal(1, text.ExitCode);
        Assert.StartsWith("policy version 2 (the store's current is 3): 0 of 2 live hosts committed, 0 refused, 0 pending, 1 newer, 1 invalid\n", text.StdOut);
        Assert.Matches(@"(?m)^h1 +3 +newer \(3\) ", text.StdOut);
    }

    [EtcdFact]
    public async Task No_live_host_is_not_a_complete_rollout()
    {
        var keys = await SetUpAsync(1);

        var r = _cluster.Tvdctl(keys, "policy", "rollout");

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("0 of 0 live hosts committed", r.StdOut);
        Assert.Contains("no live host", r.StdOut);
    }

    [EtcdFact]
    public void An_empty_store_is_exit_1_saying_there_is_no_policy()
    {
        var r = _cluster.Tvdctl(ClusterFixture.NewKeys(), "policy", "rollout");

        Assert.Equal(1, r.ExitCode);
        Assert.Contains("no policy in the store", r.StdErr);
    }

    [EtcdFact]
    public async Task Wait_returns_as_soon_as_the_last_host_commits()
    {
        var keys = await SetUpAsync(2, "h1", "h2");
        await using var store = _cluster.OpenStore();
        await ClusterFixture.WriteResultAsync(store, keys, "h1", 2, PolicyResult.Committed, 2);
        var clock = Stopwatch.StartNew();

        var rollout = Task.Run(() => _cluster.Tvdctl(keys, "policy", "rollout", "--wait", "25", "--json"));
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.False(rollout.IsCompleted, "rollout returned before the last host committed");
        await ClusterFixture.WriteResultAsync(store, keys, "h2", 2, PolicyResult.Committed, 2);
        var r = await rollout;

        Assert.Equal(0, r.ExitCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"took {clock.Elapsed}");
        using var doc = JsonDocument.Parse(r.StdOut);
        Assert.True(doc.RootElement.GetProperty("complete").GetBoolean());
        Assert.Equal(25, doc.RootElement.GetProperty("wait_s").GetInt32());
        Assert.InRange(doc.RootElement.GetProperty("waited_ms").GetInt64(), 500, 15_000);
    }

    [EtcdFact]
    public async Task Wait_gives_up_after_its_time_with_exit_1()
    {
        var keys = await SetUpAsync(2, "h1");
        var clock = Stopwatch.StartNew();

        var r = _cluster.Tvdctl(keys, "policy", "rollout", "--wait", "2");

        Assert.Equal(1, r.ExitCode);
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(15));
        Assert.Contains("not complete after 2.", r.StdOut);
        Assert.Matches(@"(?m)^h1 +- +pending +-$", r.StdOut);
    }

    [Theory]
    [InlineData("--wait", "3601", "--wait 3601: give 0-3600 seconds")]
    [InlineData("--wait", "-1", "--wait -1: give 0-3600 seconds")]
    [InlineData("--version", "0", "--version: a policy version is 1 or more")]
    public void Bad_bounds_exit_2(string option, string value, string expected)
    {
        var r = CliRunner.Run("policy", "rollout", option, value, "--cluster", "http://127.0.0.1:2379");

        Assert.Equal(2, r.ExitCode);
        Assert.Contains(expected, r.StdErr);
    }
}
