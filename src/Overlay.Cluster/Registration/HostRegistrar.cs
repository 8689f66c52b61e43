using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Overlay.Cluster.Keys;
using Overlay.Cluster.Records;
using Overlay.Cluster.Store;
using Overlay.Cluster.Sync;

namespace Overlay.Cluster.Registration;

/// <summary>
/// Keeps this host's <c>hosts/&lt;host&gt;</c> registration in the store under a lease: grant (TTL), put, refresh every
/// TTL/3; when the lease is lost (it expired while the store was unreachable, an etcd restart outlived it, someone
/// revoked it) a new one is granted and the registration put again. The registration is written on start and when
/// its content changes (<see cref="Update"/>), never otherwise. On stop the lease is revoked, so the host leaves the
/// inventory at once instead of after its TTL.
/// </summary>
public sealed class HostRegistrar
{
    private readonly IClusterStore _store;
    private readonly ClusterKeys _keys;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Func<Backoff> _backoff;
    private readonly Lock _gate = new();
    private HostRegistration _wanted;
    private volatile HostRegistration? _written;
    private readonly Sync.ChangeSignal _wake = new();
    private readonly Sync.ChangeSignal _changed = new();
    private long _lease;
    private volatile bool _registered;
    private volatile string? _lastError;

    public HostRegistrar(IClusterStore store, ClusterKeys keys, HostRegistration registration, TimeSpan ttl, TimeProvider time,
        ILogger? logger = null, Func<Backoff>? backoff = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ttl, TimeSpan.FromSeconds(2));
        CheckHost(registration);
        _store = store;
        _keys = keys;
        _wanted = registration;
        Ttl = ttl;
        _time = time;
        _logger = logger ?? NullLogger.Instance;
        _backoff = backoff ?? (() => Backoff.Default);
    }

    public TimeSpan Ttl { get; }

    /// <summary>The registration is in the store under a live lease (as of the last refresh).</summary>
    public bool Registered => _registered;

    /// <summary>The current lease id, 0 when none.</summary>
    public long Lease => Interlocked.Read(ref _lease);

    /// <summary>The store's message of the last failure, null after a success.</summary>
    public string? LastError => _lastError;

    /// <summary>How many times a lease was granted (1 after start; each lost lease adds one).</summary>
    public int Grants { get; private set; }

    /// <summary>New content (e.g. the host's TVDs changed): written at once if it differs from what is stored.</summary>
    public void Update(HostRegistration registration)
    {
        CheckHost(registration);
        if (registration.Host != _wanted.Host)
        {
            throw new ArgumentException($"a registrar registers one host ({_wanted.Host}), not {registration.Host}", nameof(registration));
        }

        lock (_gate)
        {
            _wanted = registration;
        }

        _wake.Pulse();
    }

    /// <summary>
    /// Put the registration again at once, under the current lease: for a caller that sees its own key missing from the
    /// store while <see cref="Registered"/> (deleted by hand, or a store restored from a backup) — the lease alone does
    /// not tell.
    /// </summary>
    public void Reassert()
    {
        _written = null;
        _wake.Pulse();
    }

    /// <summary>Completes when <paramref name="condition"/> holds, checked after every change of state.</summary>
    public Task WaitUntilAsync(Func<HostRegistrar, bool> condition, CancellationToken ct) => _changed.WaitUntilAsync(() => condition(this), ct);

    public async Task RunAsync(CancellationToken ct)
    {
        var backoff = _backoff();
        var refresh = TimeSpan.FromTicks(Ttl.Ticks / 3);
        while (!ct.IsCancellationRequested)
        {
            TimeSpan wait = refresh;
            try
            {
                await RegisterOrRefreshContentAsync(ct).ConfigureAwait(false);
                Task wake = _wake.Next;
                await WaitAsync(refresh, wake, ct).ConfigureAwait(false);
                if (wake.IsCompleted)
                {
                    continue;
                }

                long lease = Lease;
                long left = await _store.KeepAliveOnceAsync(lease, ct).ConfigureAwait(false);
                if (left <= 0)
                {
                    ClusterLog.LeaseLost(_logger, _wanted.Host, lease);
                    Interlocked.Exchange(ref _lease, 0);
                    _written = null;
                    SetState(registered: false, error: "the lease was lost");
                    continue;
                }

                SetState(registered: true, error: null);
                backoff.Reset();
                continue;
            }
            catch (Exception) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                wait = backoff.Next();
                if (wait > refresh)
                {
                    wait = refresh;
                }

                ClusterLog.RegistrationFailed(_logger, _wanted.Host, e.Message, wait.TotalSeconds);
                SetState(registered: false, error: e.Message);
            }

            try
            {
                await Task.Delay(wait, _time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        await RevokeOnStopAsync().ConfigureAwait(false);
    }

    private async Task RegisterOrRefreshContentAsync(CancellationToken ct)
    {
        HostRegistration wanted;
        lock (_gate)
        {
            wanted = _wanted;
        }

        if (Lease == 0)
        {
            long lease = await _store.GrantLeaseAsync(Ttl, ct).ConfigureAwait(false);
            Interlocked.Exchange(ref _lease, lease);
            Grants++;
            await _store.PutAsync(_keys.Host(wanted.Host), wanted.ToJson(), lease, ct).ConfigureAwait(false);
            _written = wanted;
            ClusterLog.Registered(_logger, wanted.Host, lease, (long)Ttl.TotalSeconds);
            SetState(registered: true, error: null);
        }
        else if (_written is null || !_written.SameContent(wanted))
        {
            await _store.PutAsync(_keys.Host(wanted.Host), wanted.ToJson(), Lease, ct).ConfigureAwait(false);
            _written = wanted;
            SetState(registered: true, error: null);
        }
    }

    private async Task WaitAsync(TimeSpan delay, Task wake, CancellationToken ct)
    {
        using var cancelDelay = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var delayTask = Task.Delay(delay, _time, cancelDelay.Token);
        await Task.WhenAny(delayTask, wake).ConfigureAwait(false);
        cancelDelay.Cancel();
        ct.ThrowIfCancellationRequested();
    }

    private async Task RevokeOnStopAsync()
    {
        long lease = Interlocked.Exchange(ref _lease, 0);
        SetState(registered: false, error: null);
        if (lease == 0)
        {
            return;
        }

        try
        {
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(2), _time);
            await _store.RevokeLeaseAsync(lease, bound.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ClusterStoreException or OperationCanceledException)
        {
            // The store is away: the lease expires on its own after its TTL.
        }
    }

    private void SetState(bool registered, string? error)
    {
        _registered = registered;
        _lastError = error;
        _changed.Pulse();
    }

    private static void CheckHost(HostRegistration registration)
    {
        if (!Keys.ClusterNames.IsValidHost(registration.Host))
        {
            throw new ArgumentException($"'{registration.Host}' is not a valid host name for the cluster", nameof(registration));
        }
    }
}
