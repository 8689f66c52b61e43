using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Overlay.Cluster.Keys;
using Overlay.Cluster.Records;
using Overlay.Cluster.Store;
using Overlay.Cluster.Sync;

namespace Overlay.Cluster.Epoch;

/// <summary>
/// Elects one epoch leader among the daemons and, while leader, publishes a fresh unpredictable 32-byte value
/// (<see cref="RandomNumberGenerator"/>) to <c>epoch/current</c> at once and then every period.
/// <para>
/// Election by a lease-guarded key: a candidate grants a lease and creates <c>epoch/leader</c> with it in one
/// transaction that succeeds only while the key does not exist (mod revision 0). The winner keeps its lease alive
/// (TTL/3); losers revoke theirs and watch the key until it is deleted (the leader stopped, or its lease expired),
/// then try again. Every epoch the leader re-puts its leader key and <c>epoch/current</c> in one transaction that
/// requires the leader key unchanged since its own last write: a leader whose lease expired (e.g. partitioned) can
/// never overwrite a newer leader's epoch.
/// </para>
/// </summary>
public sealed class EpochPublisher
{
    private readonly IClusterStore _store;
    private readonly ClusterKeys _keys;
    private readonly string _self;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<Backoff> _backoff;
    private readonly Sync.ChangeSignal _changed = new();
    private volatile bool _isLeader;
    private long _epoch;
    private long _lease;

    public EpochPublisher(IClusterStore store, ClusterKeys keys, string self, TimeSpan leaseTtl, TimeSpan period, TimeProvider time,
        ILogger? logger = null, Func<Backoff>? backoff = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(leaseTtl, TimeSpan.FromSeconds(2));
        ArgumentOutOfRangeException.ThrowIfLessThan(period, TimeSpan.FromSeconds(1));
        if (!ClusterNames.IsValidHost(self))
        {
            throw new ArgumentException($"'{self}' is not a valid host name", nameof(self));
        }

        _store = store;
        _keys = keys;
        _self = self;
        LeaseTtl = leaseTtl;
        Period = period;
        _time = time;
        _logger = logger ?? NullLogger.Instance;
        _backoff = backoff ?? (() => Backoff.Default);
    }

    public TimeSpan LeaseTtl { get; }

    public TimeSpan Period { get; }

    public bool IsLeader => _isLeader;

    /// <summary>The last epoch this host published (0 = none).</summary>
    public long Epoch => Interlocked.Read(ref _epoch);

    /// <summary>Completes when <paramref name="condition"/> holds, checked after every change of state.</summary>
    public Task WaitUntilAsync(Func<EpochPublisher, bool> condition, CancellationToken ct) => _changed.WaitUntilAsync(() => condition(this), ct);

    public async Task RunAsync(CancellationToken ct)
    {
        var backoff = _backoff();
        while (!ct.IsCancellationRequested)
        {
            try
            {
                long lease = await _store.GrantLeaseAsync(LeaseTtl, ct).ConfigureAwait(false);
                Interlocked.Exchange(ref _lease, lease);
                byte[] leader = new EpochLeader { Host = _self, Since = _time.GetUtcNow() }.ToJson();
                var won = await _store.PutIfModRevisionAsync(_keys.EpochLeader, 0, leader, lease, [], ct).ConfigureAwait(false);
                if (!won.Succeeded)
                {
                    await RevokeAsync(ct).ConfigureAwait(false);
                    await WaitForVacancyAsync(won.Revision + 1, ct).ConfigureAwait(false);
                    backoff.Reset();
                    continue;
                }

                ClusterLog.EpochLeader(_logger, _self, lease, Period.TotalSeconds);
                SetLeader(true);
                string why = await LeadAsync(lease, leader, won.Revision, ct).ConfigureAwait(false);
                SetLeader(false);
                ClusterLog.EpochLeadershipLost(_logger, _self, why);
                backoff.Reset();
            }
            catch (Exception) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                if (_isLeader)
                {
                    SetLeader(false);
                    ClusterLog.EpochLeadershipLost(_logger, _self, e.Message);
                }

                var delay = backoff.Next();
                ClusterLog.EpochFailed(_logger, _self, e.Message, delay.TotalSeconds);
                try
                {
                    // Best effort: a lease we hold from before the failure would keep the leader key for its TTL.
                    await RevokeAsync(ct).ConfigureAwait(false);
                    await Task.Delay(delay, _time, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        SetLeader(false);
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(2), _time);
        try
        {
            await RevokeAsync(bound.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The store is away: the lease expires on its own.
        }
    }

    /// <summary>Leads until the lease or the key is lost; returns why it stopped.</summary>
    private async Task<string> LeadAsync(long lease, byte[] leaderValue, long leaderRevision, CancellationToken ct)
    {
        var current = await _store.GetAsync(_keys.EpochCurrent, ct).ConfigureAwait(false);
        long epoch = current.Kv is { } kv && EpochRecord.TryParse(kv.Value, out var last, out _) ? last.Epoch : 0;
        var refresh = TimeSpan.FromTicks(LeaseTtl.Ticks / 3);
        var nextPublish = _time.GetUtcNow();
        byte[] value = new byte[EpochRecord.ValueBytes];
        while (true)
        {
            var now = _time.GetUtcNow();
            if (now >= nextPublish)
            {
                RandomNumberGenerator.Fill(value);
                var record = new EpochRecord { Epoch = epoch + 1, Value = Convert.ToHexStringLower(value), Leader = _self, At = now };
                var put = await _store.PutIfModRevisionAsync(_keys.EpochLeader, leaderRevision, leaderValue, lease,
                    [new StoreWrite(_keys.EpochCurrent, record.ToJson())], ct).ConfigureAwait(false);
                if (!put.Succeeded)
                {
                    return "the leader key changed or expired";
                }

                leaderRevision = put.Revision;
                epoch++;
                Interlocked.Exchange(ref _epoch, epoch);
                nextPublish = now + Period;
                Signal();
            }

            var untilPublish = nextPublish - _time.GetUtcNow();
            await Task.Delay(untilPublish < refresh ? (untilPublish > TimeSpan.Zero ? untilPublish : TimeSpan.Zero) : refresh, _time, ct)
                .ConfigureAwait(false);
            if (await _store.KeepAliveOnceAsync(lease, ct).ConfigureAwait(false) <= 0)
            {
                Interlocked.Exchange(ref _lease, 0);
                return "the lease expired";
            }
        }
    }

    /// <summary>Waits until the leader key is deleted, or one TTL (then the caller simply tries again).</summary>
    private async Task WaitForVacancyAsync(long fromRevision, CancellationToken ct)
    {
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bound.CancelAfter(LeaseTtl);
        try
        {
            await foreach (var batch in _store.WatchAsync(_keys.EpochLeader, fromRevision, bound.Token).ConfigureAwait(false))
            {
                if (batch.CompactedAt > 0 || batch.Events.Any(e => e.Kind == StoreEventKind.Delete && e.Kv.Key == _keys.EpochLeader))
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // One TTL passed: look again.
        }
    }

    private async Task RevokeAsync(CancellationToken ct)
    {
        long lease = Interlocked.Exchange(ref _lease, 0);
        if (lease == 0)
        {
            return;
        }

        try
        {
            await _store.RevokeLeaseAsync(lease, ct).ConfigureAwait(false);
        }
        catch (ClusterStoreException)
        {
            // Unreachable: the lease expires after its TTL.
        }
    }

    private void SetLeader(bool leader)
    {
        _isLeader = leader;
        Signal();
    }

    private void Signal() => _changed.Pulse();
}
