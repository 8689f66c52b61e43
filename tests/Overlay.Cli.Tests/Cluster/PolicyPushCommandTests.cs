using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Overlay.Cli.Cluster;
using Overlay.Cluster.Keys;
using Overlay.Cluster.Records;
using Overlay.Cluster.Store;

namespace Overlay.Cli.Tests.Cluster;

/// <summary><c>tvdctl policy push</c> against a real etcd, run as the real tvdctl.</summary>
public sealed class PolicyPushCommandTests : IClassFixture<ClusterFixture>, IDisposable
{
    private readonly ClusterFixture _cluster;
    private readonly string _dir = Directory.CreateTempSubdirectory("tvdctl-push-").FullName;

    public PolicyPushCommandTests(ClusterFixture cluster) => _cluster = cluster;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>
    /// The example policy as version <paramref name="version"/> (replacing the one before), with a marker comment, its
    /// reference values named by absolute path as a pushed policy should.
    /// </summary>
    private string Policy(long version, string marker = "", string name = "")
    {
        var text = File.ReadAllText(CliRunner.ExamplePolicy).Replace("version = 1\n", version == 1
            ? "version = 1\n"
            : $"version = {version}\nreplaces = {version - 1}\n", StringComparison.Ordinal)
            .Replace("reference_values = \"reference.txt\"", "reference_values = \"/etc/tvd-overlay/reference.txt\"", StringComparison.Ordinal)
            + $"# {marker}\n";
        var path = Path.Combine(_dir, $"v{version}{marker}{name}.toml");
        File.WriteAllText(path, text);
        return path;
    }

    private async Task<PolicyRecord?> CurrentAsync(ClusterKeys keys)
    {
        await using var store = _cluster.OpenStore();
        var read = await store.GetAsync(keys.PolicyCurrent, CancellationToken.None);
        if (read.Kv is null)
        {
            return null;
        }

        Assert.True(PolicyRecord.TryParse(read.Kv.Value, out var record, out var error), error);
        return record;
    }

    [EtcdFact]
    public async Task Version_1_then_version_2_are_published_with_their_text_hash_and_history()
    {
        var keys = ClusterFixture.NewKeys();
        var v1 = Policy(1);
        var v2 = Policy(2);

        var first = _cluster.Tvdctl(keys, "policy", "push", v1);
        var second = _cluster.Tvdctl(keys, "policy", "push", v2, "--json");

        Assert.Equal(0, first.ExitCode);
        Assert.Matches($@"^pushed policy acme-dc version 1 \(replaces none, sha256 [0-9a-f]{{16}}…\) to {Regex.Escape(_cluster.Url)} {keys.PolicyCurrent} at revision \d+", first.StdOut);
        Assert.Equal(0, second.ExitCode);
        using var doc = JsonDocument.Parse(second.StdOut);
        var root = doc.RootElement;
        Assert.True(root.GetProperty("pushed").GetBoolean());
        Assert.Equal(2, root.GetProperty("version").GetInt64());
        Assert.Equal(1, root.GetProperty("replaces").GetInt64());
        Assert.Equal(PolicyRecord.HashOf(File.ReadAllText(v2)), root.GetProperty("sha256").GetString());
        Assert.False(root.GetProperty("revoke").GetBoolean());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("lost_to").ValueKind);
        Assert.Equal(keys.PolicyCurrent, root.GetProperty("key").GetString());
        Assert.Contains("@", root.GetProperty("pushed_by").GetString());
        Assert.True(root.GetProperty("revision").GetInt64() > 0);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", root.GetProperty("pushed_at").GetString());

        var current = await CurrentAsync(keys);
        Assert.Equal((2L, 1L, File.ReadAllText(v2)), (current!.Version, current.Replaces, current.Toml));
        Assert.Equal(root.GetProperty("pushed_at").GetString(), PolicyPushCommand.Time(current.PushedAt));
        await using var store = _cluster.OpenStore();
        var history = await store.GetPrefixAsync(keys.PolicyHistoryPrefix, CancellationToken.None);
        Assert.Equal([keys.PolicyHistory(1), keys.PolicyHistory(2)], history.Kvs.Select(k => k.Key));
    }

    [EtcdFact]
    public async Task Revoke_is_carried_in_the_record()
    {
        var keys = ClusterFixture.NewKeys();

        var r = _cluster.Tvdctl(keys, "policy", "push", Policy(1), "--revoke");

        Assert.Equal(0, r.ExitCode);
        Assert.Contains(", revoke)", r.StdOut);
        Assert.True((await CurrentAsync(keys))!.Revoke);
    }

    [EtcdFact]
    public async Task A_version_not_above_the_stores_is_refused_with_exit_2_naming_both()
    {
        var keys = ClusterFixture.NewKeys();
        Assert.Equal(0, _cluster.Tvdctl(keys, "policy", "push", Policy(2)).ExitCode);

        var same = _cluster.Tvdctl(keys, "policy", "push", Policy(2, "again"), "--json");
        var older = _cluster.Tvdctl(keys, "policy", "push", Policy(1));

        Assert.Equal(2, same.ExitCode);
        Assert.Equal("", same.StdOut);
        Assert.Matches(@"^tvdctl: policy push: .*v2again\.toml has version 2, not greater than the store's version 2 \(pushed by .+ at .+Z\)", same.StdErr);
        Assert.Equal(2, older.ExitCode);
        Assert.Contains("has version 1, not greater than the store's version 2", older.StdErr);
        Assert.Equal(File.ReadAllText(Policy(2)), (await CurrentAsync(keys))!.Toml);
    }

    [EtcdFact]
    public void A_relative_file_the_policy_names_gets_a_located_warning_and_replaces_is_the_stores_business()
    {
        var keys = ClusterFixture.NewKeys();
        Assert.Equal(0, _cluster.Tvdctl(keys, "policy", "push", Policy(1)).ExitCode);
        var v2 = Policy(2, "relative");
        File.WriteAllText(v2, File.ReadAllText(v2).Replace("\"/etc/tvd-overlay/reference.txt\"", "\"reference.txt\"", StringComparison.Ordinal));
        var v3 = Policy(3); // replaces = 2; in cluster mode the chain is the store's (docs/cluster.md), so it is not checked

        var relative = _cluster.Tvdctl(keys, "policy", "push", v2, "--json");
        var absolute = _cluster.Tvdctl(keys, "policy", "push", v3);

        Assert.Equal(0, relative.ExitCode);
        Assert.Matches($@"(?m)^{Regex.Escape(v2)}:\d+:\d+: warning: 'reference.txt' is a relative path: each host reads it from <state_dir>/cluster/", relative.StdErr);
        Assert.Equal(0, absolute.ExitCode);
        Assert.Equal("", absolute.StdErr);
    }

    [EtcdFact]
    public async Task A_current_record_that_does_not_parse_is_replaced_with_a_warning()
    {
        var keys = ClusterFixture.NewKeys();
        await using (var store = _cluster.OpenStore())
        {
            await store.PutAsync(keys.PolicyCurrent, "{\"version\":7}"u8.ToArray(), 0, CancellationToken.None);
        }

        var r = _cluster.Tvdctl(keys, "policy", "push", Policy(1));

        Assert.Equal(0, r.ExitCode);
        Assert.Contains($"warning: {keys.PolicyCurrent} in the store is not a valid policy record (", r.StdErr);
        Assert.Equal(1, (await CurrentAsync(keys))!.Version);
    }

    [EtcdFact]
    public async Task An_invalid_file_exits_2_with_file_line_column_and_writes_nothing()
    {
        var keys = ClusterFixture.NewKeys();
        var path = Path.Combine(_dir, "bad.toml");
        File.WriteAllText(path, File.ReadAllText(CliRunner.ExamplePolicy).Replace("vlan = 102", "vlan = 101"));

        var r = _cluster.Tvdctl(keys, "policy", "push", path);

        Assert.Equal(2, r.ExitCode);
        Assert.Equal("", r.StdOut);
        Assert.Matches($@"(?m)^{Regex.Escape(path)}:\d+:\d+: error: .*101", r.StdErr);
        Assert.Contains($"{path}: 1 error, nothing pushed", r.StdErr);
        Assert.Null(await CurrentAsync(keys));
    }

    /// <summary>
    /// Four tvdctl processes push version 2 at once; etcd is frozen while they start, so their requests meet when it
    /// resumes. Exactly one wins; each loser names the winner — exit 1 when it lost the compare-and-swap, exit 2 when
    /// its read already saw the winner (which of the two depends on the scheduling; the compare-and-swap loss itself
    /// is made certain by the next test).
    /// </summary>
    [EtcdFact]
    public void Concurrent_pushes_have_exactly_one_winner_and_every_loser_names_it()
    {
        var keys = ClusterFixture.NewKeys();
        Assert.Equal(0, _cluster.Tvdctl(keys, "policy", "push", Policy(1)).ExitCode);
        var files = Enumerable.Range(0, 4).Select(i => Policy(2, $"pusher{i}")).ToArray();

        List<(string File, CliRunner.Result Result)> results;
        _cluster.Etcd.Pause();
        try
        {
            var pushes = files.Select(f => Task.Run(() => (File: f, Result: _cluster.Tvdctl(keys, "policy", "push", f)))).ToList();
            Thread.Sleep(3000); // every process started, loaded its file and sent its read (bounded by its 5 s request timeout)
            _cluster.Etcd.Resume();
            results = pushes.Select(p => p.GetAwaiter().GetResult()).ToList();
        }
        finally
        {
            _cluster.Etcd.Resume();
        }

        var winner = Assert.Single(results, r => r.Result.ExitCode == 0);
        var current = CurrentAsync(keys).GetAwaiter().GetResult()!;
        Assert.Equal(File.ReadAllText(winner.File), current.Toml);
        var by = $"pushed by {current.PushedBy} at {PolicyPushCommand.Time(current.PushedAt)}";
        foreach (var (file, loser) in results.Where(r => r.Result.ExitCode != 0))
        {
            Assert.Equal(loser.ExitCode == 1
                ? $"tvdctl: policy push: lost to version 2 {by}\n"
                : $"tvdctl: policy push: {file} has version 2, not greater than the store's version 2 ({by}): raise [policy] version\n", loser.StdErr);
        }
    }

    /// <summary>The race made certain: another push lands between this push's read and its compare-and-swap.</summary>
    [EtcdFact]
    public async Task A_push_that_loses_the_compare_and_swap_exits_1_with_the_winners_version_author_and_time()
    {
        var keys = ClusterFixture.NewKeys();
        Assert.Equal(0, _cluster.Tvdctl(keys, "policy", "push", Policy(1)).ExitCode);
        var winner = PolicyRecord.Create(2, 1, File.ReadAllText(Policy(2, "winner")), false, "alice@admin2",
            new DateTimeOffset(2030, 5, 6, 7, 8, 9, TimeSpan.Zero));
        await using var inner = _cluster.OpenStore();
        await using var store = new InterleavingStore(inner, keys.PolicyCurrent, winner.ToJson());
        var connection = new ClusterConnection([new Uri(_cluster.Url)], keys.Prefix, null, null, null, null, null);
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var exit = await PolicyPushCommand.PushAsync(Policy(2, "loser"), false, true, connection, keys, store, stdout, stderr, CancellationToken.None);

        Assert.Equal(1, exit);
        Assert.Equal("tvdctl: policy push: lost to version 2 pushed by alice@admin2 at 2030-05-06T07:08:09Z\n", stderr.ToString());
        using var doc = JsonDocument.Parse(stdout.ToString());
        Assert.False(doc.RootElement.GetProperty("pushed").GetBoolean());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("revision").ValueKind);
        var lostTo = doc.RootElement.GetProperty("lost_to");
        Assert.Equal((2, "alice@admin2", "2030-05-06T07:08:09Z"),
            (lostTo.GetProperty("version").GetInt64(), lostTo.GetProperty("pushed_by").GetString(), lostTo.GetProperty("pushed_at").GetString()));
        Assert.Equal("alice@admin2", (await CurrentAsync(keys))!.PushedBy);
    }

    [EtcdFact]
    public async Task A_push_whose_current_was_deleted_meanwhile_loses_without_a_winner_and_writes_nothing()
    {
        var keys = ClusterFixture.NewKeys();
        Assert.Equal(0, _cluster.Tvdctl(keys, "policy", "push", Policy(1)).ExitCode);
        await using var inner = _cluster.OpenStore();
        await using var store = new InterleavingStore(inner, keys.PolicyCurrent, null);
        var connection = new ClusterConnection([new Uri(_cluster.Url)], keys.Prefix, null, null, null, null, null);
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        var exit = await PolicyPushCommand.PushAsync(Policy(2), false, true, connection, keys, store, stdout, stderr, CancellationToken.None);

        Assert.Equal(1, exit);
        Assert.EndsWith("; nothing was written, push again\n", stderr.ToString());
        using var doc = JsonDocument.Parse(stdout.ToString());
        Assert.False(doc.RootElement.GetProperty("pushed").GetBoolean());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("lost_to").ValueKind);
        Assert.Null(await CurrentAsync(keys));
    }

    [EtcdFact]
    public void With_etcd_down_a_push_exits_1_with_one_line_naming_the_endpoint_and_etcds_error()
    {
        using var etcd = new EtcdServer();
        var url = etcd.Url;
        etcd.Stop();
        var clock = Stopwatch.StartNew();

        var r = CliRunner.Run("policy", "push", Policy(1), "--cluster", url);

        Assert.Equal(1, r.ExitCode);
        Assert.Equal("", r.StdOut);
        var line = Assert.Single(r.StdErr.TrimEnd('\n').Split('\n'));
        Assert.StartsWith($"tvdctl: policy push: etcd at {url} is unavailable (unreachable, no quorum or no answer within 5 s): ", line);
        Assert.True(line.Length > $"tvdctl: policy push: etcd at {url} is unavailable (unreachable, no quorum or no answer within 5 s): ".Length + 5);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }

    [Fact]
    public void Bad_connection_options_exit_2_before_anything_is_read()
    {
        var r = CliRunner.RunWith(new Dictionary<string, string> { ["TVD_CLUSTER"] = "" }, "policy", "push", CliRunner.ExamplePolicy);
        var noPort = CliRunner.Run("policy", "push", CliRunner.ExamplePolicy, "--cluster", "http://127.0.0.1");

        Assert.Equal(2, r.ExitCode);
        Assert.Equal("tvdctl: policy push: no cluster: give --cluster URL[,URL…] or set TVD_CLUSTER\n", r.StdErr);
        Assert.Equal(2, noPort.ExitCode);
        Assert.Contains("has no port", noPort.StdErr);
    }

    /// <summary>Lets a concurrent change win: writes <paramref name="winner"/> to the key (null: deletes it) just before the
    /// caller's compare-and-swap.</summary>
    private sealed class InterleavingStore(IClusterStore inner, string key, byte[]? winner) : IClusterStore
    {
        public Task<StoreRead> GetAsync(string k, CancellationToken ct) => inner.GetAsync(k, ct);

        public Task<StoreRange> GetPrefixAsync(string prefix, CancellationToken ct, int limit = StoreLimits.MaxRangeKeys) => inner.GetPrefixAsync(prefix, ct, limit);

        public Task<long> PutAsync(string k, ReadOnlyMemory<byte> value, long lease, CancellationToken ct) => inner.PutAsync(k, value, lease, ct);

        public async Task<CasResult> PutIfModRevisionAsync(string k, long expectedModRevision, ReadOnlyMemory<byte> value, long lease,
            IReadOnlyList<StoreWrite> alsoPut, CancellationToken ct)
        {
            if (k == key && winner is not null)
            {
                await inner.PutAsync(key, winner, 0, ct);
            }
            else if (k == key)
            {
                await inner.DeleteAsync(key, ct);
            }

            return await inner.PutIfModRevisionAsync(k, expectedModRevision, value, lease, alsoPut, ct);
        }

        public Task<bool> DeleteAsync(string k, CancellationToken ct) => inner.DeleteAsync(k, ct);

        public Task<long> DeletePrefixAsync(string prefix, CancellationToken ct) => inner.DeletePrefixAsync(prefix, ct);

        public Task<long> GrantLeaseAsync(TimeSpan ttl, CancellationToken ct) => inner.GrantLeaseAsync(ttl, ct);

        public Task<long> KeepAliveOnceAsync(long lease, CancellationToken ct) => inner.KeepAliveOnceAsync(lease, ct);

        public Task<long> LeaseTimeToLiveAsync(long lease, CancellationToken ct) => inner.LeaseTimeToLiveAsync(lease, ct);

        public Task RevokeLeaseAsync(long lease, CancellationToken ct) => inner.RevokeLeaseAsync(lease, ct);

        public Task CompactAsync(long revision, CancellationToken ct) => inner.CompactAsync(revision, ct);

        public IAsyncEnumerable<StoreWatchBatch> WatchAsync(string prefix, long fromRevision, CancellationToken ct) => inner.WatchAsync(prefix, fromRevision, ct);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
