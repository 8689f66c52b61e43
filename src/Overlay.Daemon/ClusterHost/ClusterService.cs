using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Overlay.Cluster.Keys;
using Overlay.Cluster.Store;
using Overlay.Daemon.AttestHost;
using Overlay.Daemon.Configuration;
using Overlay.Daemon.IkeHost;
using Overlay.Daemon.Policy;

namespace Overlay.Daemon.ClusterHost;

/// <summary>
/// Cluster mode (<c>[cluster]</c>, docs/cluster.md): the daemon as a member of an etcd-backed cluster. One session at
/// a time: connect, register this host under a lease (<see cref="RegisterAsync"/>), bring the local copies of
/// <c>policy/current</c>, <c>hosts/</c>, <c>enroll/</c> and <c>epoch/current</c> up to date (<see cref="PrefixMirror"/>), then
/// keep the lease alive and follow the watches. The store's policy goes through the same test-then-commit as a SIGHUP
/// reload and the outcome is written to <c>results/&lt;host&gt;</c>; the inventory becomes IKE's dynamic peers.
/// Fail-static: when a session fails (store unreachable, no quorum) the copies, the running policy and the peers stay as
/// they were, status says "disconnected since", one line is logged, and the next session (retried with backoff)
/// resumes the watches where they were. Without <c>[cluster]</c> this service does nothing.
/// </summary>
public sealed partial class ClusterService : BackgroundService
{
    private static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    private readonly DaemonConfig _config;
    private readonly PolicyStore _policy;
    private readonly IkeRuntime _ike;
    private readonly AttestRuntime _attest;
    private readonly ClusterState _state;
    private readonly TimeProvider _time;
    private readonly ILogger<ClusterService> _logger;
    private readonly ClusterKeys _keys = ClusterKeys.Default;
    private readonly PrefixMirror _policyMirror;
    private readonly PrefixMirror _hostsMirror;
    private readonly PrefixMirror _enrollMirror;
    private readonly PrefixMirror _epochMirror;
    private readonly SemaphoreSlim _policyWake = new(0, 1);

    public ClusterService(DaemonConfig config, PolicyStore policy, IkeRuntime ike, AttestRuntime attest, ClusterState state, TimeProvider time,
        ILogger<ClusterService> logger)
    {
        (_config, _policy, _ike, _attest, _state, _time, _logger) = (config, policy, ike, attest, state, time, logger);
        if (config.Cluster is { } cluster && ClusterKeys.TryCreate(cluster.Prefix, out ClusterKeys keys, out _))
        {
            _keys = keys;
        }

        _policyMirror = new PrefixMirror(_keys.PolicyCurrent);
        _hostsMirror = new PrefixMirror(_keys.HostsPrefix);
        _enrollMirror = new PrefixMirror(_keys.EnrollPrefix);
        _epochMirror = new PrefixMirror(_keys.EpochCurrent);
        _policyDirectory = Path.Combine(config.StateDirectory, "cluster");
        _runningSha = HashOfFile(policy.Current.SourceFile);
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (_config.Cluster is { } cluster)
        {
            _state.Start(cluster.EndpointList, _time.GetUtcNow());
            _policy.Committed += _ => WakePolicy(); // a SIGHUP reload changes what the inventory and the store's version are judged against
        }

        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_config.Cluster is not { } cluster)
        {
            return;
        }

        TimeSpan backoff = MinBackoff;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var store = new EtcdClusterStore(Options(cluster), _time);
                await RunSessionAsync(store, cluster, () => backoff = MinBackoff, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (ClusterStoreException e)
            {
                Disconnected(e.Kind.ToString(), e.Message);
            }
            catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException or InvalidOperationException
                or OperationCanceledException)
            {
                // A session must never take the daemon down: log it, keep everything as it is, try again.
                ClusterLog.SessionFailed(_logger, e);
                Disconnected("Other", e.Message);
            }

            try
            {
                await Task.Delay(backoff, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
        }

    }

    private void Disconnected(string kind, string message)
    {
        DateTimeOffset now = _time.GetUtcNow();
        if (_state.SetDisconnected(now, $"{kind}: {message}"))
        {
            ClusterLog.Disconnected(_logger, _state.DisconnectedSince ?? now, kind, message, _policy.Current.Policy.Version, _ike.Book.Peers.Count);
        }
    }

    /// <summary>The store's connection settings; the password file is read again for every session (it may be rotated).</summary>
    private static ClusterStoreOptions Options(ClusterConfig cluster)
    {
        string? password = null;
        if (cluster.PasswordFile is { } file && (password = ClusterConfigReader.ReadPassword(file, out string? problem)) is null)
        {
            throw new ClusterStoreException(ClusterStoreErrorKind.Unauthenticated, problem!);
        }

        return new ClusterStoreOptions
        {
            Endpoints = cluster.Endpoints,
            CaFile = cluster.CaFile,
            CertFile = cluster.CertFile,
            KeyFile = cluster.KeyFile,
            User = cluster.User,
            Password = password,
            DialTimeout = cluster.DialTimeout,
            RequestTimeout = cluster.RequestTimeout,
        };
    }

    private async Task RunSessionAsync(IClusterStore store, ClusterConfig cluster, Action connected, CancellationToken stoppingToken)
    {
        using var session = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        CancellationToken ct = session.Token;

        long lease = await RegisterAsync(store, cluster, ct).ConfigureAwait(false);
        foreach (PrefixMirror mirror in Mirrors)
        {
            await mirror.SyncAsync(store, ct).ConfigureAwait(false);
        }

        int established = 0;
        void Established()
        {
            if (Interlocked.Increment(ref established) == Mirrors.Length)
            {
                _state.SetConnected(_time.GetUtcNow());
                connected();
                ClusterLog.Connected(_logger, cluster.EndpointList, _keys.Prefix, _config.Host, _state.Lease, (int)cluster.LeaseTtl.TotalSeconds);
                InventoryChanged();
                EpochChanged();
                WakePolicy();
            }
        }

        // Each loop ends only by failing (or shutdown); the first to fail ends the session and the others with it.
        Task[] loops =
        [
            _policyMirror.FollowAsync(store, WakePolicy, Established, ct),
            _hostsMirror.FollowAsync(store, InventoryChanged, Established, ct),
            _enrollMirror.FollowAsync(store, InventoryChanged, Established, ct),
            _epochMirror.FollowAsync(store, EpochChanged, Established, ct),
            KeepAliveAsync(store, cluster, lease, ct),
            PolicyLoopAsync(store, ct),
            GraceLoopAsync(ct),
        ];
        Task first = await Task.WhenAny(loops).ConfigureAwait(false);
        await session.CancelAsync().ConfigureAwait(false);
        if (stoppingToken.IsCancellationRequested)
        {
            await DeregisterAsync(store).ConfigureAwait(false);
        }

        try
        {
            await Task.WhenAll(loops).ConfigureAwait(false);
        }
        catch (Exception) when (!first.IsFaulted)
        {
            // The others' cancellation; the first's outcome is what counts.
        }
        catch (Exception)
        {
            // Reported through first below.
        }

        await first.ConfigureAwait(false); // rethrows the failure that ended the session
    }

    private PrefixMirror[] Mirrors => [_policyMirror, _hostsMirror, _enrollMirror, _epochMirror];

    private void WakePolicy()
    {
        if (_policyWake.CurrentCount == 0)
        {
            try
            {
                _policyWake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already woken.
            }
        }
    }

    public override void Dispose()
    {
        _policyWake.Dispose();
        base.Dispose();
    }
}
