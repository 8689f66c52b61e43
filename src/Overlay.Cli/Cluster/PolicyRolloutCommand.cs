using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Overlay.Cli.Output;
using Overlay.Cluster.Inventory;
using Overlay.Cluster.Keys;
using Overlay.Cluster.Records;
using Overlay.Cluster.Rollout;
using Overlay.Cluster.Store;

namespace Overlay.Cli.Cluster;

/// <summary>
/// <c>tvdctl policy rollout --cluster … [--version N] [--wait SECONDS] [--json]</c>: per live host, the version it
/// runs and its result for version N (default: the store's current), from <c>hosts/</c> and <c>results/</c>, judged by
/// Overlay.Cluster's <see cref="RolloutReport"/>; a registration the inventory ignores as not the host it names is not
/// counted (<see cref="ReadAsync"/>). Exit 0 only when every live host committed N; 1 otherwise (refused,
/// pending, newer, invalid, no live host). <c>--wait</c> watches the prefix and reads again on every change until
/// complete or the time is up (bounded to an hour).
/// </summary>
internal static class PolicyRolloutCommand
{
    private const string Verb = "policy rollout";

    public const int MaxWaitSeconds = 3600;

    /// <summary>Read again at least this often while waiting, in case the watch broke (it ends on a store error).</summary>
    private static readonly TimeSpan Reread = TimeSpan.FromSeconds(1);

    public static Command Create()
    {
        var options = new ClusterOptions();
        var version = new Option<long?>("--version") { Description = "The version to check (default: the store's current)", HelpName = "N" };
        var wait = new Option<int>("--wait")
        {
            Description = $"Wait up to SECONDS (at most {MaxWaitSeconds}) until every live host committed the version",
            HelpName = "SECONDS",
        };
        var json = JsonOutput.Option();
        var command = new Command("rollout", "Show each live host's result for a pushed policy version; exit 0 only when all committed it");
        options.AddTo(command);
        command.Options.Add(version);
        command.Options.Add(wait);
        command.Options.Add(json);
        command.SetAction((parse, ct) =>
        {
            var seconds = parse.GetValue(wait);
            if (seconds is < 0 or > MaxWaitSeconds)
            {
                return Task.FromResult(ClusterVerb.Fail(Verb, $"--wait {seconds}: give 0-{MaxWaitSeconds} seconds", ExitCodes.BadInput));
            }

            if (parse.GetValue(version) is <= 0)
            {
                return Task.FromResult(ClusterVerb.Fail(Verb, "--version: a policy version is 1 or more", ExitCodes.BadInput));
            }

            return ClusterVerb.RunAsync(Verb, options, parse, (connection, keys, store, token) =>
                RunAsync(parse.GetValue(version), TimeSpan.FromSeconds(seconds), parse.GetValue(json), keys, store, token), ct);
        });
        return command;
    }

    private static async Task<int> RunAsync(long? requested, TimeSpan wait, bool json, ClusterKeys keys, IClusterStore store, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var read = await store.GetAsync(keys.PolicyCurrent, ct);
        PolicyRecord? current = null;
        if (read.Kv is { } kv && !PolicyRecord.TryParse(kv.Value, out current, out var invalid))
        {
            Console.Error.WriteLine($"tvdctl: {Verb}: warning: {keys.PolicyCurrent} is not a valid policy record ({invalid})");
            current = null;
        }

        var version = requested ?? current?.Version;
        if (version is null)
        {
            return ClusterVerb.Fail(Verb, $"no policy in the store ({keys.PolicyCurrent} {(read.Kv is null ? "does not exist" : "is invalid")}): " +
                "push one with tvdctl policy push, or give --version", ExitCodes.Denied);
        }

        var (view, revision, impostors) = await ReadAsync(version.Value, keys, store, ct);
        if (!view.Complete && wait > TimeSpan.Zero)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            using var changed = new SemaphoreSlim(0);
            var watching = WatchAsync(store, keys.Prefix, revision + 1, changed, stop.Token);
            try
            {
                while (!view.Complete && clock.Elapsed < wait)
                {
                    var left = wait - clock.Elapsed;
                    if (left <= TimeSpan.Zero)
                    {
                        break;
                    }

                    await changed.WaitAsync(left < Reread ? left : Reread, ct);
                    while (changed.CurrentCount > 0)
                    {
                        await changed.WaitAsync(ct);
                    }

                    (view, revision, impostors) = await ReadAsync(version.Value, keys, store, ct);
                }
            }
            finally
            {
                await stop.CancelAsync();
                await watching;
            }
        }

        var waited = clock.Elapsed;
        if (json)
        {
            Write(view, impostors, current, revision, wait, waited);
        }
        else
        {
            Print(view, impostors, current, wait, waited);
        }

        return view.Complete ? ExitCodes.Ok : ExitCodes.Denied;
    }

    /// <summary>
    /// The report and the revision it was read at (the watch resumes after it). A registration every daemon ignores as
    /// not the host it names — another AK than the enrolled one (<c>ak_mismatch</c>: whoever holds the lease is not
    /// that host), or a record that does not parse — is not counted: such a registrant could otherwise keep any
    /// rollout from completing by writing refusals. It is listed apart. Every other live host counts, enrolled or not:
    /// a cluster that only distributes policies enrolls nobody, and its hosts commit all the same.
    /// </summary>
    private static async Task<(RolloutReport View, long Revision, IReadOnlyList<IgnoredHost> Impostors)> ReadAsync(long version, ClusterKeys keys,
        IClusterStore store, CancellationToken ct)
    {
        var policy = await HostsCommand.ReadPolicyAsync(keys, store, ct);
        var hosts = await store.GetPrefixAsync(keys.HostsPrefix, ct);
        var enrollments = await store.GetPrefixAsync(keys.EnrollPrefix, ct);
        var (_, ignored) = HostInventory.Judge(HostInventory.InputFrom(keys, hosts.Kvs, enrollments.Kvs, policy.Hosts, policy.RequireAk), self: "");
        List<IgnoredHost> impostors = [.. ignored.Where(h => h.Reason is IgnoreReason.AkMismatch or IgnoreReason.InvalidRecord)];
        var notThem = impostors.Select(h => h.Host).ToHashSet(StringComparer.Ordinal);
        var (view, revision) = await RolloutReport.ReadAtAsync(store, keys, version, ct, host => !notThem.Contains(host));
        return (view, Math.Max(revision, Math.Max(hosts.Revision, enrollments.Revision)), impostors);
    }

    /// <summary>Signals every change under the prefix; ends quietly on cancellation or a store error (the loop then reads every second).</summary>
    private static async Task WatchAsync(IClusterStore store, string prefix, long from, SemaphoreSlim changed, CancellationToken ct)
    {
        try
        {
            await foreach (var _ in store.WatchAsync(prefix, from, ct))
            {
                changed.Release();
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ClusterStoreException)
        {
        }
    }

    private static readonly RolloutState[] States =
        [RolloutState.Committed, RolloutState.Refused, RolloutState.Pending, RolloutState.Newer, RolloutState.Invalid];

    private static void Print(RolloutReport view, IReadOnlyList<IgnoredHost> impostors, PolicyRecord? current, TimeSpan wait, TimeSpan waited)
    {
        foreach (var h in impostors)
        {
            Console.WriteLine($"not counted: {h.Host} ({h.Reason.ToWire()}: {h.Detail}); every daemon ignores this registration");
        }

        var about = current is not null && current.Version == view.Version
            ? $" (pushed by {current.PushedBy} at {PolicyPushCommand.Time(current.PushedAt)}{(current.Revoke ? ", revoke" : "")})"
            : current is null ? " (not in the store)" : $" (the store's current is {current.Version})";
        var others = string.Concat(States.Skip(3).Where(s => view.Count(s) > 0).Select(s => $", {view.Count(s)} {s.ToWire()}"));
        Console.WriteLine($"policy version {view.Version}{about}: {view.Count(RolloutState.Committed)} of {view.Hosts.Count} live hosts committed, " +
            $"{view.Count(RolloutState.Refused)} refused, {view.Count(RolloutState.Pending)} pending{others}" +
            (wait > TimeSpan.Zero ? $"; {(view.Complete ? "complete after" : "not complete after")} {waited.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture)} s" : ""));
        if (view.Hosts.Count == 0)
        {
            Console.WriteLine("no live host: none is registered (a daemon registers under a lease while it runs)");
            return;
        }

        Table.Write(Console.Out, ["HOST", "RUNNING", "RESULT", "AT", "CONFLICTS"], view.Hosts.Select(h => (IReadOnlyList<string>)
        [
            h.Host,
            h.LastResult is null ? "-" : h.Running == 0 ? "file" : h.Running.ToString(CultureInfo.InvariantCulture),
            h.State == RolloutState.Newer ? $"newer ({h.LastResult!.Version})" : h.State.ToWire(),
            h.LastResult is { } r ? PolicyPushCommand.Time(r.At) : "-",
            h.Error ?? (h.State == RolloutState.Refused ? string.Join("; ", h.LastResult!.Conflicts) : ""),
        ]));
    }

    private static void Write(RolloutReport view, IReadOnlyList<IgnoredHost> impostors, PolicyRecord? current, long revision, TimeSpan wait,
        TimeSpan waited) =>
        JsonOutput.Write(Console.Out, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("version", view.Version);
            w.WriteBoolean("complete", view.Complete);
            w.WriteNumber("live_hosts", view.Hosts.Count);
            foreach (var state in States)
            {
                w.WriteNumber(state.ToWire(), view.Count(state));
            }

            w.WriteNumber("wait_s", (long)wait.TotalSeconds);
            w.WriteNumber("waited_ms", (long)waited.TotalMilliseconds);
            w.WriteNumber("revision", revision);
            if (current is null)
            {
                w.WriteNull("store_policy");
            }
            else
            {
                w.WriteStartObject("store_policy");
                w.WriteNumber("version", current.Version);
                w.WriteNumber("replaces", current.Replaces);
                w.WriteString("sha256", current.Sha256);
                w.WriteBoolean("revoke", current.Revoke);
                w.WriteString("pushed_by", current.PushedBy);
                w.WriteTime("pushed_at", current.PushedAt);
                w.WriteEndObject();
            }

            w.WriteStartArray("hosts");
            foreach (var h in view.Hosts)
            {
                var last = h.LastResult;
                w.WriteStartObject();
                w.WriteString("host", h.Host);
                WriteNumberOrNull(w, "running_version", last?.Running);
                w.WriteString("result", h.State.ToWire());
                WriteNumberOrNull(w, "result_version", last?.Version);
                w.WriteStrings("conflicts", h.State == RolloutState.Refused ? last!.Conflicts : []);
                w.WriteStringOrNull("summary", last?.Summary);
                if (last is not null)
                {
                    w.WriteTime("at", last.At);
                }
                else
                {
                    w.WriteNull("at");
                }

                w.WriteStringOrNull("error", h.Error);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("not_counted");
            foreach (var h in impostors)
            {
                w.WriteStartObject();
                w.WriteString("host", h.Host);
                w.WriteString("reason", h.Reason.ToWire());
                w.WriteString("detail", h.Detail);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });

    private static void WriteNumberOrNull(System.Text.Json.Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
