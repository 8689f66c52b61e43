using System.Diagnostics;
using System.Globalization;
using System.Text;
using Overlay.Cluster.Keys;
using Overlay.Cluster.Records;
using Overlay.Cluster.Store;
using Overlay.ClusterBench;

// tvd-clusterbench: N simulated hosts against a real etcd cluster (bench/cluster/run.sh starts it), through
// Overlay.Cluster's EtcdClusterStore:
//   tvd-clusterbench --endpoints URL[,URL...] [--hosts N] [--channels C] [--rounds R] [--lease-ttl S]
//                    [--steady-seconds S] [--prefix P] [--timeout S] [--goal-p99-ms MS] [--policy-hosts K]
// Phases: register (a lease and hosts/<h> each), watch (policy/current and hosts/ per host), steady state (keep-alives
// only), R policy pushes (CAS on policy/current + history, as `tvdctl policy push`; every host writes results/<h>
// committed), R new registrations (time until every hosts/ watcher saw it). The hosts share C gRPC channels (each a
// round-robin over every member); a real deployment has one per host. etcd's own counters (its /metrics; start it with
// --metrics extensive) give its requests/s. Lines starting with '#' are commentary; exit 0 when every phase finished,
// 1 when a change did not reach every host within --timeout, 2 on bad arguments.
BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"tvd-clusterbench: {e.Message}");
    return 2;
}

var inv = CultureInfo.InvariantCulture;
string F(double v, string format = "F0") => v.ToString(format, inv);
if (!ClusterKeys.TryCreate(options.Prefix, out var keys, out string prefixError))
{
    Console.Error.WriteLine($"tvd-clusterbench: --prefix: {prefixError}");
    return 2;
}

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
var ct = cts.Token;
var timeout = TimeSpan.FromSeconds(options.TimeoutSeconds);
using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
var storeOptions = new ClusterStoreOptions { Endpoints = options.Endpoints, RequestTimeout = TimeSpan.FromSeconds(10) };
var self = Process.GetCurrentProcess();
int n = options.Hosts;

Console.WriteLine($"cluster-bench: {n} hosts, {options.Channels} gRPC channels (each round-robin over {options.Endpoints.Count} members), " +
    $"lease TTL {options.LeaseTtlSeconds} s, {options.Rounds} rounds, etcd {string.Join(",", options.Endpoints)}");

// A clean prefix and policy version 1, before anyone watches.
await using var admin = new EtcdClusterStore(storeOptions);
await admin.DeletePrefixAsync(keys.Prefix, ct);
string PolicyText(long version)
{
    // What an operator pushes for this cluster: every host named (a policy of N hosts is ~40 bytes per host).
    var sb = new StringBuilder();
    sb.Append(inv, $"[policy]\nname = \"bench\"\nversion = {version}\n");
    if (version > 1)
    {
        sb.Append(inv, $"replaces = {version - 1}\n");
    }

    sb.Append("\n[[tvd]]\nname = \"red\"\nvlan = 101\nlabel = \"tvd:red\"\n\n[[tvd]]\nname = \"blue\"\nvlan = 102\nlabel = \"tvd:blue\"\n");
    for (int i = 0; i < options.PolicyHosts; i++)
    {
        sb.Append(inv, $"\n[[host]]\nname = \"{HostName(i)}\"\ntypes = [\"*\"]\n");
    }

    return sb.ToString();
}

string HostName(int i) => string.Create(inv, $"b{i:D5}");
var first = PolicyRecord.Create(1, 0, PolicyText(1), false, "tvd-clusterbench", TimeProvider.System.GetUtcNow());
await admin.PutIfModRevisionAsync(keys.PolicyCurrent, 0, first.ToJson(), 0, [new StoreWrite(keys.PolicyHistory(1), first.ToJson())], ct);
Console.WriteLine($"policy: {first.Toml.Length} bytes of TOML ({options.PolicyHosts} [[host]] entries), a record of {first.ToJson().Length} bytes");

var stores = new EtcdClusterStore[options.Channels];
for (int c = 0; c < stores.Length; c++)
{
    stores[c] = new EtcdClusterStore(storeOptions);
}

var state = new BenchState(n);
var hosts = Enumerable.Range(0, n).Select(i => new SimHost(i, HostName(i), stores[i % stores.Length], keys, state)).ToArray();
var background = new List<Task>();
int exit = 0;

try
{
    // 1. Registration: a lease and hosts/<h> per host, 64 in flight.
    var before = await EtcdCounters.ScrapeAsync(http, options.Endpoints, ct);
    var sw = Stopwatch.StartNew();
    await Parallel.ForEachAsync(hosts, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = ct },
        async (h, token) => await h.RegisterAsync(TimeSpan.FromSeconds(options.LeaseTtlSeconds), token));
    double registerSeconds = sw.Elapsed.TotalSeconds;
    var reg = (await EtcdCounters.ScrapeAsync(http, options.Endpoints, ct)).Since(before);
    Console.WriteLine($"register: {n} hosts (lease + put) in {F(registerSeconds * 1000)} ms = {F(n / registerSeconds)} hosts/s; " +
        $"etcd {F(reg.Requests / registerSeconds)} requests/s");

    // 2. Keep-alives (a third of the TTL, as the daemons' registrar) and two watches per host from the same revision.
    var period = TimeSpan.FromSeconds(options.LeaseTtlSeconds / 3.0);
    foreach (var h in hosts)
    {
        background.Add(h.KeepAliveLoopAsync(period, ct));
    }

    long from = (await admin.GetAsync(keys.PolicyCurrent, ct)).Revision + 1;
    sw.Restart();
    var watching = state.ExpectWatches(2 * n);
    foreach (var h in hosts)
    {
        background.Add(h.WatchPolicyAsync(from, ct));
        background.Add(h.WatchHostsAsync(from, ct));
    }
    // The rollout's view (tvdctl policy rollout): one watch on results/, a version counts once every host committed it.
    var rollout = new RolloutWatch(admin, keys, n);
    background.Add(rollout.RunAsync(from, ct));
    if (await Task.WhenAny(watching, Task.Delay(timeout, ct)) != watching)
    {
        Console.WriteLine($"watch: only {state.WatchesReady} of {2 * n} watches created after {options.TimeoutSeconds} s");
        return 1;
    }

    await rollout.Ready.WaitAsync(timeout, ct);
    var afterWatch = await EtcdCounters.ScrapeAsync(http, options.Endpoints, ct);
    Console.WriteLine($"watch: {2 * n} watches (policy/current and hosts/ per host) created in {F(sw.Elapsed.TotalMilliseconds)} ms; " +
        $"etcd reports {F(afterWatch.Watchers)} watchers");

    // 3. Steady state: nothing changes, only keep-alives.
    var steadyBefore = afterWatch;
    double cpuBefore = self.TotalProcessorTime.TotalSeconds;
    await Task.Delay(TimeSpan.FromSeconds(options.SteadySeconds), ct);
    var steady = (await EtcdCounters.ScrapeAsync(http, options.Endpoints, ct)).Since(steadyBefore);
    self.Refresh();
    Console.WriteLine($"steady: etcd {F(steady.Requests / options.SteadySeconds)} requests/s (keep-alives: {F(n / period.TotalSeconds)}/s expected), " +
        $"etcd CPU {F(100 * steady.CpuSeconds / options.SteadySeconds)} % of a core (all members), " +
        $"load generator {F(100 * (self.TotalProcessorTime.TotalSeconds - cpuBefore) / options.SteadySeconds)} %");

    // 4. Pushes: read policy/current, CAS the next version (+ history), as tvdctl policy push; every host commits.
    var perHostCommit = new List<double>();
    var perHostSeen = new List<double>();
    var lastCommit = new List<double>();
    var rolloutAll = new List<double>();
    var pushBefore = await EtcdCounters.ScrapeAsync(http, options.Endpoints, ct);
    self.Refresh();
    double pushCpuBefore = self.TotalProcessorTime.TotalSeconds;
    var pushWatch = Stopwatch.StartNew();
    // Round 0 is a warm-up (the JIT's first pass over the watch, parse and result paths; a daemon runs warm): not counted.
    for (int r = 0; r <= options.Rounds && exit == 0; r++)
    {
        long version = 2 + r;
        if (r == 1)
        {
            pushBefore = await EtcdCounters.ScrapeAsync(http, options.Endpoints, ct);
            self.Refresh();
            pushCpuBefore = self.TotalProcessorTime.TotalSeconds;
            pushWatch.Restart();
        }

        string toml = PolicyText(version);
        var round = state.StartPush(version);
        var current = await admin.GetAsync(keys.PolicyCurrent, ct);
        var record = PolicyRecord.Create(version, version - 1, toml, false, "tvd-clusterbench", TimeProvider.System.GetUtcNow());
        byte[] json = record.ToJson();
        var cas = await admin.PutIfModRevisionAsync(keys.PolicyCurrent, current.Kv?.ModRevision ?? 0, json, 0,
            [new StoreWrite(keys.PolicyHistory(version), json)], ct);
        if (!cas.Succeeded)
        {
            Console.WriteLine($"push v{version}: the compare-and-swap lost (someone else wrote policy/current)");
            exit = 1;
            break;
        }

        var rolloutDone = rollout.WaitForAsync(version);
        bool all = await Task.WhenAny(round.All.Task, Task.Delay(timeout, ct)) == round.All.Task;
        bool rolled = all && await Task.WhenAny(rolloutDone, Task.Delay(timeout, ct)) == rolloutDone;
        var commits = round.MillisecondsTo(round.Done);
        var seen = round.MillisecondsTo(round.Seen);
        if (r > 0)
        {
            perHostCommit.AddRange(commits);
            perHostSeen.AddRange(seen);
        }

        if (!all || !rolled)
        {
            Console.WriteLine($"push v{version}: {n - round.Remaining} of {n} hosts committed within {options.TimeoutSeconds} s" +
                (all ? "; the rollout view did not see them all" : ""));
            exit = 1;
            break;
        }

        double rolloutMs = Stopwatch.GetElapsedTime(round.StartTicks, rollout.CompletedTicks(version)).TotalMilliseconds;
        if (r > 0)
        {
            lastCommit.Add(commits[^1]);
            rolloutAll.Add(rolloutMs);
        }

        Console.WriteLine($"{(r == 0 ? "# warm-up " : "")}push v{version}: all {n} committed; per host p50 {F(Percentiles.At(commits, 50))} ms, p99 {F(Percentiles.At(commits, 99))} ms, " +
            $"last {F(commits[^1])} ms; rollout saw all {n} committed after {F(rolloutMs)} ms");
        await Task.Delay(500, ct);
    }

    double pushSeconds = pushWatch.Elapsed.TotalSeconds;
    var push = (await EtcdCounters.ScrapeAsync(http, options.Endpoints, ct)).Since(pushBefore);
    self.Refresh();
    double pushCpu = self.TotalProcessorTime.TotalSeconds - pushCpuBefore;
    if (exit == 0)
    {
        perHostCommit.Sort();
        perHostSeen.Sort();
        lastCommit.Sort();
        double p99 = Percentiles.At(perHostCommit, 99);
        Console.WriteLine($"push->commit ({n} hosts x {options.Rounds} pushes): p50 {F(Percentiles.At(perHostCommit, 50))} ms, " +
            $"p99 {F(p99)} ms, max {F(perHostCommit[^1])} ms; until the last host: median {F(Percentiles.At(lastCommit, 50))} ms, " +
            $"worst {F(lastCommit[^1])} ms; rollout view worst {F(rolloutAll.Max())} ms");
        Console.WriteLine($"push->watch event: p50 {F(Percentiles.At(perHostSeen, 50))} ms, p99 {F(Percentiles.At(perHostSeen, 99))} ms");
        Console.WriteLine($"push phase: etcd {F(push.Requests / pushSeconds)} requests/s over {F(pushSeconds, "F1")} s " +
            $"({F(push.Unary)} unary, {F(push.StreamMessages)} stream messages), {F(push.WatchMessagesSent)} watch messages sent " +
            $"({F(push.WatchMessagesSent / options.Rounds)} per push), etcd CPU {F(push.CpuSeconds, "F1")} s, load generator CPU {F(pushCpu, "F1")} s (the {n} hosts' watch, parse and result work), db {F(push.DbBytes / 1048576, "F1")} MiB");
        Console.WriteLine($"goal: {n} hosts, p99 push->commit {F(p99)} ms <= {F(options.GoalP99Ms)} ms: {(p99 <= options.GoalP99Ms ? "met" : "MISSED")}");
    }

    // 5. Inventory: a new host registers; time until every host's hosts/ watch has it.
    var invSeen = new List<double>();
    var invLast = new List<double>();
    for (int r = 0; r < options.Rounds && exit == 0; r++)
    {
        var newcomer = new SimHost(n + r, string.Create(inv, $"new{r:D4}"), admin, keys, state);
        var round = state.StartRegistration(keys.Host(newcomer.Name));
        await newcomer.RegisterAsync(TimeSpan.FromSeconds(options.LeaseTtlSeconds), ct);
        if (await Task.WhenAny(round.All.Task, Task.Delay(timeout, ct)) != round.All.Task)
        {
            Console.WriteLine($"inventory: {n - round.Remaining} of {n} watchers saw {newcomer.Name} within {options.TimeoutSeconds} s");
            exit = 1;
            break;
        }

        var ms = round.MillisecondsTo(round.Seen);
        invSeen.AddRange(ms);
        invLast.Add(ms[^1]);
        await newcomer.RevokeAsync(ct);
        await Task.Delay(300, ct);
    }

    if (exit == 0)
    {
        invSeen.Sort();
        Console.WriteLine($"inventory change -> every watcher ({n} hosts x {options.Rounds} registrations): p50 {F(Percentiles.At(invSeen, 50))} ms, " +
            $"p99 {F(Percentiles.At(invSeen, 99))} ms, until the last: worst {F(invLast.Max())} ms");
    }

    Console.WriteLine($"# keep-alives {state.KeepAlives} (failed {state.KeepAliveFailures}, leases lost {state.LeasesLost}); " +
        $"records refused {state.BadRecords}; watch errors {state.WatchErrors.Count()}");
    foreach (string e in state.WatchErrors.Take(5))
    {
        Console.WriteLine($"#   watch error: {e}");
    }

    if (state.KeepAliveFailures > 0 || state.LeasesLost > 0 || state.WatchErrors.Any())
    {
        exit = 1;
    }
}
finally
{
    cts.Cancel();
    try
    {
        await Task.WhenAll(background).WaitAsync(TimeSpan.FromSeconds(10));
    }
    catch (Exception e) when (e is OperationCanceledException or TimeoutException or ClusterStoreException
        || (e is Grpc.Core.RpcException rpc && rpc.StatusCode == Grpc.Core.StatusCode.Cancelled))
    {
        // Canceled on purpose: the simulated hosts stop.
    }

    using var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(30));
    try
    {
        await Parallel.ForEachAsync(hosts, new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cleanup.Token },
            async (h, token) => await h.RevokeAsync(token));
        await admin.DeletePrefixAsync(keys.Prefix, cleanup.Token);
    }
    catch (Exception e) when (e is OperationCanceledException or ClusterStoreException)
    {
        Console.WriteLine($"# cleanup: {e.Message}");
    }

    foreach (var s in stores)
    {
        await s.DisposeAsync();
    }
}

return exit;
