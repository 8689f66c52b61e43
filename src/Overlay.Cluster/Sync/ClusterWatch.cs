using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Overlay.Cluster.Store;

namespace Overlay.Cluster.Sync;

/// <summary>
/// Keeps a local mirror (<see cref="ClusterMirror"/>) of the watched prefixes: one full read per prefix, then a watch
/// from the revision after it. Fail-static: while the store is unreachable the mirror stays exactly as last seen and
/// <see cref="Connection"/> says since when it is disconnected; on return the watch resumes from the last revision
/// seen + 1, so nothing is missed and nothing is read twice. When that revision was compacted, or the store's revision
/// is below it (a store restored or replaced), the prefix is read again in full and replaces its part of the mirror.
/// Retries back off from 200 ms to 5 s. Bounds: a prefix read returns at most <see cref="StoreLimits.MaxRangeKeys"/>
/// keys, values are bounded by the store's own request limit and parsed (size-checked) by the records, not here.
/// </summary>
public sealed class ClusterWatch
{
    private readonly IClusterStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<Backoff> _backoff;
    private readonly PrefixState[] _prefixes;
    private readonly Lock _gate = new();
    private ClusterMirror _mirror = ClusterMirror.Empty;
    private ClusterConnection _connection;
    private readonly ChangeSignal _changed = new();
    private long _fullReads;
    private int _running;

    public ClusterWatch(IClusterStore store, IReadOnlyList<string> prefixes, TimeProvider time, ILogger? logger = null,
        Func<Backoff>? backoff = null)
    {
        if (prefixes.Count == 0)
        {
            throw new ArgumentException("at least one prefix", nameof(prefixes));
        }

        for (int i = 0; i < prefixes.Count; i++)
        {
            for (int j = 0; j < prefixes.Count; j++)
            {
                if (i != j && prefixes[i].StartsWith(prefixes[j], StringComparison.Ordinal))
                {
                    throw new ArgumentException($"prefix '{prefixes[i]}' is inside '{prefixes[j]}'", nameof(prefixes));
                }
            }
        }

        _store = store;
        _time = time;
        _logger = logger ?? NullLogger.Instance;
        _backoff = backoff ?? (() => Backoff.Default);
        _prefixes = prefixes.Select(p => new PrefixState(p)).ToArray();
        _connection = new ClusterConnection(false, time.GetUtcNow(), null);
    }

    /// <summary>The mirror as last seen (never changes while disconnected).</summary>
    public ClusterMirror Mirror => Volatile.Read(ref _mirror);

    public ClusterConnection Connection => Volatile.Read(ref _connection);

    /// <summary>How many full reads of a prefix were made (one per prefix at start; more after compactions).</summary>
    public long FullReads => Interlocked.Read(ref _fullReads);

    /// <summary>Raised after each change of the mirror (on the watch's task; keep handlers short).</summary>
    public event Action<ClusterMirror>? Changed;

    /// <summary>Raised when the connection state changes.</summary>
    public event Action<ClusterConnection>? ConnectionChanged;

    /// <summary>Completes when <paramref name="condition"/> holds, checked now and after every change of the mirror or
    /// the connection.</summary>
    public Task WaitUntilAsync(Func<ClusterWatch, bool> condition, CancellationToken ct) => _changed.WaitUntilAsync(() => condition(this), ct);

    /// <summary>Runs until <paramref name="ct"/> is canceled; never throws for store failures. One run at a time; a later
    /// run continues from where the last one stopped (its revisions and mirror).</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        if (Interlocked.Exchange(ref _running, 1) != 0)
        {
            throw new InvalidOperationException("the watch is already running");
        }

        try
        {
            await Task.WhenAll(_prefixes.Select(p => Task.Run(() => RunPrefixAsync(p, ct), CancellationToken.None))).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    private async Task RunPrefixAsync(PrefixState s, CancellationToken ct)
    {
        var backoff = _backoff();
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (s.NeedsFullRead)
                {
                    await FullReadAsync(s, ct).ConfigureAwait(false);
                }

                await foreach (var batch in _store.WatchAsync(s.Prefix, s.Revision + 1, ct).ConfigureAwait(false))
                {
                    if (batch.Created)
                    {
                        if (batch.Revision < s.Revision)
                        {
                            ClusterLog.StoreRolledBack(_logger, s.Prefix, batch.Revision, s.Revision);
                            s.NeedsFullRead = true;
                            break;
                        }

                        SetUp(s, up: true, problem: null);
                        backoff.Reset();
                        continue;
                    }

                    if (batch.CompactedAt > 0)
                    {
                        ClusterLog.Compacted(_logger, s.Prefix, s.Revision + 1, batch.CompactedAt);
                        s.NeedsFullRead = true;
                        break;
                    }

                    Apply(s, batch);
                }

                if (!s.NeedsFullRead)
                {
                    throw new ClusterStoreException(ClusterStoreErrorKind.Unavailable, "the watch ended");
                }
            }
            catch (Exception) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                // A store failure — or anything unexpected: the mirror stays, the state says why, and the watch retries.
                if (e is not ClusterStoreException)
                {
                    ClusterLog.WatchFailed(_logger, s.Prefix, e);
                }

                SetUp(s, up: false, problem: e.Message);
                try
                {
                    await Task.Delay(backoff.Next(), _time, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task FullReadAsync(PrefixState s, CancellationToken ct)
    {
        var range = await _store.GetPrefixAsync(s.Prefix, ct).ConfigureAwait(false);
        Interlocked.Increment(ref _fullReads);
        if (range.More)
        {
            ClusterLog.PrefixTruncated(_logger, s.Prefix, StoreLimits.MaxRangeKeys);
        }

        lock (_gate)
        {
            var entries = _mirror.Entries.ToBuilder();
            foreach (string key in entries.Keys.Where(k => k.StartsWith(s.Prefix, StringComparison.Ordinal)).ToArray())
            {
                entries.Remove(key);
            }

            foreach (var kv in range.Kvs)
            {
                entries[kv.Key] = kv;
            }

            s.Revision = range.Revision;
            s.NeedsFullRead = false;
            s.Loaded = true;
            _mirror = new ClusterMirror(entries.ToImmutable(), Math.Max(_mirror.Revision, range.Revision), _prefixes.All(p => p.Loaded));
        }

        Publish(mirrorChanged: true);
    }

    private void Apply(PrefixState s, StoreWatchBatch batch)
    {
        lock (_gate)
        {
            if (batch.Events.Count == 0)
            {
                // A progress notification: every event up to its revision was delivered.
                s.Revision = Math.Max(s.Revision, batch.Revision);
                _mirror = _mirror with { Revision = Math.Max(_mirror.Revision, s.Revision) };
            }
            else
            {
                var entries = _mirror.Entries.ToBuilder();
                foreach (var e in batch.Events)
                {
                    if (e.Kind == StoreEventKind.Put)
                    {
                        entries[e.Kv.Key] = e.Kv;
                    }
                    else
                    {
                        entries.Remove(e.Kv.Key);
                    }
                    // Resume after the last event received, not after the response's header revision: a catching-up
                    // watch sends its events in several responses that all carry the store's current revision.
                    s.Revision = Math.Max(s.Revision, e.Kv.ModRevision);
                }

                _mirror = _mirror with { Entries = entries.ToImmutable(), Revision = Math.Max(_mirror.Revision, s.Revision) };
            }
        }

        Publish(mirrorChanged: batch.Events.Count > 0);
    }

    private void SetUp(PrefixState s, bool up, string? problem)
    {
        ClusterConnection? changed = null;
        double downFor = 0;
        bool logDown = false;
        lock (_gate)
        {
            s.Up = up;
            var before = _connection;
            bool all = _prefixes.All(p => p.Up);
            if (all && !before.Connected)
            {
                downFor = before.DisconnectedSince is { } since ? (_time.GetUtcNow() - since).TotalSeconds : 0;
                changed = new ClusterConnection(true, null, null);
            }
            else if (!up && before.Connected)
            {
                changed = new ClusterConnection(false, _time.GetUtcNow(), problem);
                logDown = true;
            }
            else if (!up && before.LastError != problem)
            {
                // Still down: the newest message, logged only the first time (a start without the store).
                logDown = before.LastError is null;
                changed = before with { LastError = problem };
            }

            if (changed is not null)
            {
                _connection = changed;
            }
        }

        if (changed is null)
        {
            return;
        }

        if (changed.Connected)
        {
            ClusterLog.Reconnected(_logger, Mirror.Revision, downFor);
        }
        else if (logDown && problem is not null)
        {
            ClusterLog.Disconnected(_logger, problem, Mirror.Revision);
        }

        Notify(ConnectionChanged, changed);
        Publish(mirrorChanged: false);
    }

    private void Publish(bool mirrorChanged)
    {
        if (mirrorChanged)
        {
            Notify(Changed, Mirror);
        }

        _changed.Pulse();
    }

    /// <summary>A subscriber's exception is logged, never allowed to stop the watch.</summary>
    private void Notify<T>(Action<T>? handlers, T value)
    {
        if (handlers is null)
        {
            return;
        }

        foreach (var handler in handlers.GetInvocationList().Cast<Action<T>>())
        {
            try
            {
                handler(value);
            }
            catch (Exception e)
            {
                ClusterLog.HandlerFailed(_logger, e);
            }
        }
    }

    private sealed class PrefixState(string prefix)
    {
        public string Prefix { get; } = prefix;
        public long Revision { get; set; }
        public bool NeedsFullRead { get; set; } = true;
        public bool Loaded { get; set; }
        public bool Up { get; set; }
    }
}
