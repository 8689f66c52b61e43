using System.Collections.Concurrent;
using System.Diagnostics;
using Overlay.Cluster.Keys;
using Overlay.Cluster.Records;
using Overlay.Cluster.Store;

namespace Overlay.ClusterBench;

/// <summary>
/// What <c>tvdctl policy rollout --wait</c> sees: one watch on <c>results/</c>; a version is complete when every host's
/// result says committed for it. Records that do not parse are not counted.
/// </summary>
public sealed class RolloutWatch(IClusterStore store, ClusterKeys keys, int hosts)
{
    private readonly ConcurrentDictionary<long, Tracker> _versions = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Ready => _ready.Task;

    public Task WaitForAsync(long version) => _versions.GetOrAdd(version, _ => new Tracker()).Done.Task;

    public long CompletedTicks(long version) => _versions.TryGetValue(version, out var t) ? t.At : 0;

    public async Task RunAsync(long fromRevision, CancellationToken ct)
    {
        try
        {
            await foreach (var batch in store.WatchAsync(keys.ResultsPrefix, fromRevision, ct))
            {
                _ready.TrySetResult();
                foreach (var e in batch.Events)
                {
                    if (e.Kind != StoreEventKind.Put || !PolicyResult.TryParse(e.Kv.Value, out var result, out _) || !result.IsCommitted)
                    {
                        continue;
                    }

                    var tracker = _versions.GetOrAdd(result.Version, _ => new Tracker());
                    if (tracker.Hosts.Add(result.Host) && tracker.Hosts.Count == hosts)
                    {
                        tracker.At = Stopwatch.GetTimestamp();
                        tracker.Done.TrySetResult();
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (ClusterStoreException e)
        {
            _ready.TrySetException(e);
        }
    }

    private sealed class Tracker
    {
        public HashSet<string> Hosts { get; } = new(StringComparer.Ordinal);
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public long At { get; set; }
    }
}
