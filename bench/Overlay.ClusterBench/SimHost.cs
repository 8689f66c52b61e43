using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Overlay.Cluster.Keys;
using Overlay.Cluster.Records;
using Overlay.Cluster.Store;

namespace Overlay.ClusterBench;

/// <summary>
/// One simulated daemon: it registers under its own lease and keeps the lease alive, watches <c>policy/current</c> and
/// writes <c>results/&lt;host&gt;</c> committed for every version it sees (after parsing the record, sha256 check
/// included, as a daemon does before its test-then-commit), and watches <c>hosts/</c> for the inventory.
/// </summary>
public sealed class SimHost(int index, string name, IClusterStore store, ClusterKeys keys, BenchState state)
{
    private long _lease;

    public string Name => name;

    public int Index => index;

    public async Task RegisterAsync(TimeSpan ttl, CancellationToken ct)
    {
        _lease = await store.GrantLeaseAsync(ttl, ct);
        var registration = new HostRegistration
        {
            Host = name,
            Underlay = [string.Create(CultureInfo.InvariantCulture, $"10.{(index >> 16) & 255}.{(index >> 8) & 255}.{index & 255}")],
            IkePort = 500,
            NattPort = 4500,
            AkSha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name))),
            Tpm = HostRegistration.TpmEmbeddedSwtpm,
            Tvds = ["red", "blue"],
            DaemonVersion = "tvd-clusterbench",
            RegisteredAt = TimeProvider.System.GetUtcNow(),
        };
        await store.PutAsync(keys.Host(name), registration.ToJson(), _lease, ct);
    }

    /// <summary>One keep-alive every <paramref name="period"/> (a daemon's registrar refreshes at a third of the TTL),
    /// starting at a random point of the first period so N hosts do not refresh in lock step.</summary>
    public async Task KeepAliveLoopAsync(TimeSpan period, CancellationToken ct)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * period.TotalMilliseconds), ct);
            while (!ct.IsCancellationRequested)
            {
                try
                {
                    if (await store.KeepAliveOnceAsync(_lease, ct) <= 0)
                    {
                        Interlocked.Increment(ref state.LeasesLost);
                    }

                    Interlocked.Increment(ref state.KeepAlives);
                }
                catch (ClusterStoreException)
                {
                    Interlocked.Increment(ref state.KeepAliveFailures);
                }
                catch (Exception) when (ct.IsCancellationRequested)
                {
                    // The run is over, whatever the cancellation surfaced as (an earlier EtcdClusterStore let
                    // Grpc.Core.RpcException(Cancelled) through from a keep-alive canceled mid-write).
                    return;
                }

                await Task.Delay(period, ct);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async Task WatchPolicyAsync(long fromRevision, CancellationToken ct)
    {
        try
        {
            bool created = false;
            await foreach (var batch in store.WatchAsync(keys.PolicyCurrent, fromRevision, ct))
            {
                if (!created)
                {
                    created = true;
                    state.WatchReady();
                }

                foreach (var e in batch.Events)
                {
                    if (e.Kind != StoreEventKind.Put)
                    {
                        continue;
                    }

                    long seen = Stopwatch.GetTimestamp();
                    if (!PolicyRecord.TryParse(e.Kv.Value, out var record, out _))
                    {
                        Interlocked.Increment(ref state.BadRecords);
                        continue;
                    }

                    var result = new PolicyResult
                    {
                        Host = name,
                        Version = record.Version,
                        Running = record.Version,
                        Result = PolicyResult.Committed,
                        Summary = "tvd-clusterbench: committed",
                        Conflicts = [],
                        At = TimeProvider.System.GetUtcNow(),
                    };
                    await store.PutAsync(keys.Result(name), result.ToJson(), 0, ct);
                    state.Committed(record.Version, index, seen, Stopwatch.GetTimestamp());
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ClusterStoreException e)
        {
            state.WatchFailed(name, e.Message);
        }
    }

    public async Task WatchHostsAsync(long fromRevision, CancellationToken ct)
    {
        try
        {
            bool created = false;
            await foreach (var batch in store.WatchAsync(keys.HostsPrefix, fromRevision, ct))
            {
                if (!created)
                {
                    created = true;
                    state.WatchReady();
                }

                foreach (var e in batch.Events)
                {
                    if (e.Kind == StoreEventKind.Put)
                    {
                        state.InventorySeen(e.Kv.Key, index, Stopwatch.GetTimestamp());
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ClusterStoreException e)
        {
            state.WatchFailed(name, e.Message);
        }
    }

    public async Task RevokeAsync(CancellationToken ct)
    {
        if (_lease != 0)
        {
            await store.RevokeLeaseAsync(_lease, ct);
        }
    }
}

/// <summary>One timed change every simulated host must see: a pushed policy version or a new registration.</summary>
public sealed class Round(int hosts, long startTicks)
{
    private int _remaining = hosts;

    public long StartTicks { get; } = startTicks;

    /// <summary>Per host: when it saw the change (watch event arrived), and for a push when its result was written.</summary>
    public long[] Seen { get; } = new long[hosts];

    public long[] Done { get; } = new long[hosts];

    public TaskCompletionSource All { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Remaining => Volatile.Read(ref _remaining);

    public void Mark(int index, long seen, long done)
    {
        if (Interlocked.CompareExchange(ref Done[index], done, 0) != 0)
        {
            return;
        }

        Seen[index] = seen;
        if (Interlocked.Decrement(ref _remaining) == 0)
        {
            All.TrySetResult();
        }
    }

    /// <summary>Milliseconds from the start to each host's mark (hosts that never marked are left out).</summary>
    public double[] MillisecondsTo(long[] marks) =>
        marks.Where(t => t != 0).Select(t => Stopwatch.GetElapsedTime(StartTicks, t).TotalMilliseconds).Order().ToArray();
}

/// <summary>What the simulated hosts share with the driver: the current rounds and the counters.</summary>
public sealed class BenchState(int hosts)
{
    private readonly ConcurrentDictionary<long, Round> _pushes = new();
    private readonly ConcurrentDictionary<string, Round> _registrations = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _watchErrors = new();
    private int _watchesReady;
    private TaskCompletionSource _allWatching = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _watchesExpected = int.MaxValue;

    public long KeepAlives;
    public long KeepAliveFailures;
    public long LeasesLost;
    public long BadRecords;

    public int WatchesReady => Volatile.Read(ref _watchesReady);

    public IEnumerable<string> WatchErrors => _watchErrors;

    public Task ExpectWatches(int count)
    {
        _watchesExpected = count;
        if (Volatile.Read(ref _watchesReady) >= count)
        {
            _allWatching.TrySetResult();
        }

        return _allWatching.Task;
    }

    public void WatchReady()
    {
        if (Interlocked.Increment(ref _watchesReady) >= _watchesExpected)
        {
            _allWatching.TrySetResult();
        }
    }

    public void WatchFailed(string host, string message) => _watchErrors.Enqueue($"{host}: {message}");

    public Round StartPush(long version)
    {
        var round = new Round(hosts, Stopwatch.GetTimestamp());
        _pushes[version] = round;
        return round;
    }

    public void Committed(long version, int index, long seen, long done)
    {
        if (_pushes.TryGetValue(version, out var round))
        {
            round.Mark(index, seen, done);
        }
    }

    public Round StartRegistration(string key)
    {
        var round = new Round(hosts, Stopwatch.GetTimestamp());
        _registrations[key] = round;
        return round;
    }

    public void InventorySeen(string key, int index, long at)
    {
        if (_registrations.TryGetValue(key, out var round))
        {
            round.Mark(index, at, at);
        }
    }
}
