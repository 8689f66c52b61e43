using Overlay.Cluster.Keys;
using Overlay.Cluster.Records;
using Overlay.Cluster.Store;

namespace Overlay.Cli.Cluster;

/// <summary>
/// What <c>policy rollout</c> shows, from one read of <c>hosts/</c> (the live hosts: their registrations are under
/// leases) and <c>results/</c>: per live host, its last result judged against the target version. Pure, so the
/// rules are tested without a store:
/// <list type="bullet">
/// <item>no result, or a result about an older version: <c>pending</c> (it has not finished testing the target);</item>
/// <item>a result about the target: <c>committed</c> or <c>refused</c> (with the conflicts it found);</item>
/// <item>a result about a newer version: <c>superseded</c> (it moved on; it does not run the target).</item>
/// </list>
/// Complete when at least one host is live and every live host committed the target.
/// </summary>
internal sealed record RolloutView(long Version, IReadOnlyList<RolloutRow> Hosts, IReadOnlyList<string> Invalid)
{
    public const string Committed = "committed";
    public const string Refused = "refused";
    public const string Pending = "pending";
    public const string Superseded = "superseded";

    public bool Complete => Hosts.Count > 0 && Hosts.All(h => h.Result == Committed);

    public int Count(string result) => Hosts.Count(h => h.Result == result);

    /// <summary>The view of <paramref name="version"/> from the keys under hosts/ and results/.</summary>
    public static RolloutView Build(long version, ClusterKeys keys, IEnumerable<StoreKeyValue> hosts, IEnumerable<StoreKeyValue> results)
    {
        var invalid = new List<string>();
        var byHost = new Dictionary<string, PolicyResult>(StringComparer.Ordinal);
        foreach (var kv in results)
        {
            if (!ClusterKeys.TryHostFromKey(keys.ResultsPrefix, kv.Key, out var host))
            {
                continue;
            }

            if (PolicyResult.TryParse(kv.Value, out var result, out var error) && result.Host == host)
            {
                byHost[host] = result;
            }
            else
            {
                invalid.Add($"{kv.Key}: {(result is null ? error : $"names host {result.Host}")}");
            }
        }

        var rows = new List<RolloutRow>();
        foreach (var kv in hosts)
        {
            if (ClusterKeys.TryHostFromKey(keys.HostsPrefix, kv.Key, out var host))
            {
                rows.Add(Row(version, host, byHost.GetValueOrDefault(host)));
            }
        }

        return new RolloutView(version, rows, invalid);
    }

    private static RolloutRow Row(long version, string host, PolicyResult? last)
    {
        if (last is null)
        {
            return new RolloutRow(host, null, Pending, null, [], null, null);
        }

        var running = last.Running;
        var result = last.Version < version ? Pending : last.Version > version ? Superseded : last.Result;
        return new RolloutRow(host, running, result, last.Version, last.IsCommitted ? [] : last.Conflicts, last.Summary, last.At);
    }
}

/// <summary>
/// One live host in a rollout: <paramref name="RunningVersion"/> is the version it runs after its last result (the
/// result's <c>running</c>: the committed version, or the one it kept when it refused; 0 = its bootstrap file's
/// policy; null when it wrote no result yet); <paramref name="ResultVersion"/> the version its last result is about.
/// </summary>
internal sealed record RolloutRow(
    string Host,
    long? RunningVersion,
    string Result,
    long? ResultVersion,
    IReadOnlyList<string> Conflicts,
    string? Summary,
    DateTimeOffset? At);
