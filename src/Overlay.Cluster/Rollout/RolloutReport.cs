using Overlay.Cluster.Keys;
using Overlay.Cluster.Records;
using Overlay.Cluster.Store;

namespace Overlay.Cluster.Rollout;

/// <summary>Where one live host is with the version asked about.</summary>
public enum RolloutState
{
    /// <summary>Committed the version.</summary>
    Committed,

    /// <summary>Refused the version (its conflicts say why); it runs <see cref="RolloutHost.Running"/>.</summary>
    Refused,

    /// <summary>No result for the version yet (none at all, or one for an older version).</summary>
    Pending,

    /// <summary>Its last result is for a newer version than the one asked about.</summary>
    Newer,

    /// <summary>Its result record does not parse.</summary>
    Invalid,
}

public static class RolloutStates
{
    public static string ToWire(this RolloutState state) => state switch
    {
        RolloutState.Committed => "committed",
        RolloutState.Refused => "refused",
        RolloutState.Pending => "pending",
        RolloutState.Newer => "newer",
        RolloutState.Invalid => "invalid",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };
}

/// <summary>One live host's line: its state, the version it runs (0 = unknown or its bootstrap file's), and its last
/// result (version, conflicts, when) when it has one.</summary>
public sealed record RolloutHost(
    string Host,
    RolloutState State,
    long Running,
    PolicyResult? LastResult,
    string? Error);

/// <summary>
/// Per live host (one with a registration, i.e. a live lease): where it is with <see cref="Version"/>.
/// <see cref="Complete"/> only when there is at least one live host and every one committed exactly that version.
/// Pure: <see cref="Build"/> judges what <see cref="ReadAsync"/> (or a test) read.
/// </summary>
public sealed record RolloutReport(long Version, IReadOnlyList<RolloutHost> Hosts)
{
    public bool Complete => Hosts.Count > 0 && Hosts.All(h => h.State == RolloutState.Committed);

    public int Count(RolloutState state) => Hosts.Count(h => h.State == state);

    public static RolloutReport Build(long version, IEnumerable<string> liveHosts, IReadOnlyDictionary<string, ReadOnlyMemory<byte>> results)
    {
        var hosts = new List<RolloutHost>();
        foreach (string host in liveHosts.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            if (!results.TryGetValue(host, out var value))
            {
                hosts.Add(new RolloutHost(host, RolloutState.Pending, 0, null, null));
                continue;
            }

            if (!PolicyResult.TryParse(value.Span, out var result, out string error) || result.Host != host)
            {
                hosts.Add(new RolloutHost(host, RolloutState.Invalid, 0, null, error.Length > 0 ? error : $"the result names host '{result.Host}'"));
                continue;
            }

            var state = result.Version > version ? RolloutState.Newer
                : result.Version < version ? RolloutState.Pending
                : result.IsCommitted ? RolloutState.Committed
                : RolloutState.Refused;
            hosts.Add(new RolloutHost(host, state, result.Running, result, null));
        }

        return new RolloutReport(version, hosts);
    }

    /// <summary>
    /// Reads the live hosts and their results and judges them against <paramref name="version"/> (null = the version in
    /// <c>policy/current</c>; 0 when there is none). <paramref name="counts"/> filters the live hosts that count (e.g.
    /// only admitted ones); null = every registered host.
    /// </summary>
    public static async Task<RolloutReport> ReadAsync(IClusterStore store, ClusterKeys keys, long? version, CancellationToken ct,
        Func<string, bool>? counts = null)
    {
        long v = version ?? 0;
        if (version is null)
        {
            var head = await new PolicyPublisher(store, keys).ReadCurrentAsync(ct).ConfigureAwait(false);
            v = head.Version;
        }

        return (await ReadAtAsync(store, keys, v, ct, counts).ConfigureAwait(false)).Report;
    }

    /// <summary>
    /// As <see cref="ReadAsync"/> for a given <paramref name="version"/>, with the store revision the report was read
    /// at: a watch for what changes it resumes after that revision.
    /// </summary>
    public static async Task<(RolloutReport Report, long Revision)> ReadAtAsync(IClusterStore store, ClusterKeys keys, long version,
        CancellationToken ct, Func<string, bool>? counts = null)
    {
        var hosts = await store.GetPrefixKeysAsync(keys.HostsPrefix, ct).ConfigureAwait(false);
        var results = await store.GetPrefixAsync(keys.ResultsPrefix, ct).ConfigureAwait(false);
        var live = hosts.Kvs
            .Select(kv => ClusterKeys.TryHostFromKey(keys.HostsPrefix, kv.Key, out string h) ? h : null)
            .OfType<string>()
            .Where(h => counts?.Invoke(h) ?? true);
        var byHost = new Dictionary<string, ReadOnlyMemory<byte>>(StringComparer.Ordinal);
        foreach (var kv in results.Kvs)
        {
            if (ClusterKeys.TryHostFromKey(keys.ResultsPrefix, kv.Key, out string h))
            {
                byHost[h] = kv.Value;
            }
        }

        return (Build(version, live, byHost), Math.Max(hosts.Revision, results.Revision));
    }
}
