using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Overlay.Cluster.Epoch;
using Overlay.Cluster.Inventory;
using Overlay.Cluster.Keys;
using Overlay.Cluster.Records;
using Overlay.Cluster.Registration;
using Overlay.Cluster.Store;
using Overlay.Cluster.Sync;
using Overlay.Daemon.AttestHost;
using Overlay.Daemon.Configuration;
using Overlay.Daemon.IkeHost;
using Overlay.Daemon.Policy;
using Overlay.Daemon.Status;
using Overlay.Labels.Compiled;
using Overlay.Labels.Engine;

namespace Overlay.Daemon.ClusterHost;

/// <summary>
/// Cluster mode (<c>[cluster]</c>, docs/cluster.md): the daemon as a member of an etcd-backed cluster, adapting
/// Overlay.Cluster's parts — <see cref="ClusterWatch"/> (a fail-static mirror of <c>policy/current</c>, <c>hosts/</c>,
/// <c>enroll/</c>, <c>epoch/current</c>), <see cref="HostRegistrar"/> (this host under a lease), <see cref="EpochPublisher"/>
/// (the epoch election) and <see cref="HostInventory"/> (who is a peer) — to the daemon: the store's policy goes through
/// the same test-then-commit as a SIGHUP reload and the outcome to <c>results/&lt;host&gt;</c>; the inventory becomes
/// IKE's dynamic peers and the enrolled AKs their pins. One loop does the daemon's part, woken by every change of the
/// mirror or the connection, a committed reload, and once a second (grace periods, the host's TVDs). Fail-static: while
/// disconnected nothing is recomputed — the running policy, the peers and their SAs stay — and status says since when.
/// Without <c>[cluster]</c> this service does nothing.
/// </summary>
public sealed partial class ClusterService : BackgroundService
{
    private readonly DaemonConfig _config;
    private readonly PolicyStore _policy;
    private readonly IkeRuntime _ike;
    private readonly AttestRuntime _attest;
    private readonly ClusterState _state;
    private readonly TimeProvider _time;
    private readonly ILogger<ClusterService> _logger;
    private readonly ILoggerFactory _loggers;
    private readonly ClusterKeys _keys = ClusterKeys.Default;
    private readonly SemaphoreSlim _wake = new(0, 1);

    public ClusterService(DaemonConfig config, PolicyStore policy, IkeRuntime ike, AttestRuntime attest, ClusterState state, TimeProvider time,
        ILogger<ClusterService> logger, ILoggerFactory loggers)
    {
        (_config, _policy, _ike, _attest, _state, _time, _logger, _loggers) = (config, policy, ike, attest, state, time, logger, loggers);
        if (config.Cluster is { } cluster && ClusterKeys.TryCreate(cluster.Prefix, out ClusterKeys keys, out _))
        {
            _keys = keys;
        }

        _policyDirectory = PolicyBootstrap.ClusterDirectory(config);
        _runningSha = HashOfFile(policy.Current.SourceFile);
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (_config.Cluster is { } cluster)
        {
            _state.Start(cluster.EndpointList, _time.GetUtcNow());
            if (_attest.Handshake is { } handshake)
            {
                // Attested IKE's challenge is the cluster's epoch while it is fresh (docs/cluster.md "Epoch").
                handshake.Challenges.Epochs = _state;
            }

            _policy.Committed += _ => Wake(); // a SIGHUP reload changes what the inventory and the store's version are judged against
            ClusterLog.Starting(_logger, cluster.EndpointList, _keys.Prefix, _config.Host, (int)cluster.LeaseTtl.TotalSeconds,
                (int)cluster.PeerGrace.TotalSeconds);
        }

        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_config.Cluster is not { } cluster)
        {
            return;
        }

        // One store for the daemon's life: its channel reconnects on its own; the parts retry with backoff and never
        // throw for store failures.
        await using EtcdClusterStore? store = await OpenAsync(cluster, stoppingToken).ConfigureAwait(false);
        if (store is null)
        {
            return; // stopping
        }

        ILogger partsLog = _loggers.CreateLogger("Overlay.Cluster");
        var watch = new ClusterWatch(store, [_keys.PolicyCurrent, _keys.HostsPrefix, _keys.EnrollPrefix, _keys.EpochCurrent], _time, partsLog);
        var registrar = new HostRegistrar(store, _keys, Registration(), cluster.LeaseTtl, _time, partsLog);
        var epoch = new EpochPublisher(store, _keys, _config.Host, cluster.LeaseTtl, cluster.EpochPeriod, _time, partsLog);
        var inventory = new HostInventory(_config.Host, cluster.PeerGrace, _time);
        watch.Changed += _ => Wake();
        watch.ConnectionChanged += _ => Wake();

        Task[] parts =
        [
            watch.RunAsync(stoppingToken),
            registrar.RunAsync(stoppingToken),
            epoch.RunAsync(stoppingToken),
            LoopAsync(store, watch, registrar, inventory, stoppingToken),
        ];
        try
        {
            await Task.WhenAll(parts).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping; the registrar revoked its lease (peers start their grace at once).
        }
    }

    /// <summary>
    /// The store, once its settings are usable: the password file was checked when the config was read, but it may
    /// have gone since; then the daemon says so (status, log) and tries again, as for an unreachable store.
    /// </summary>
    private async Task<EtcdClusterStore?> OpenAsync(ClusterConfig cluster, CancellationToken ct)
    {
        while (true)
        {
            string? problem = null;
            if (cluster.PasswordFile is { } file && ClusterConfigReader.ReadPassword(file, out problem) is null)
            {
                _state.SetConnection(false, _state.DisconnectedSince, $"Unauthenticated: {problem}");
                ClusterLog.CannotOpen(_logger, problem!);
            }
            else
            {
                return new EtcdClusterStore(Options(cluster), _time);
            }

            try
            {
                await Task.Delay(TimeSpan.FromSeconds(5), _time, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }
    }

    private static ClusterStoreOptions Options(ClusterConfig cluster) => new()
    {
        Endpoints = cluster.Endpoints,
        CaFile = cluster.CaFile,
        CertFile = cluster.CertFile,
        KeyFile = cluster.KeyFile,
        User = cluster.User,
        Password = cluster.PasswordFile is { } file ? ClusterConfigReader.ReadPassword(file, out _) : null,
        DialTimeout = cluster.DialTimeout,
        RequestTimeout = cluster.RequestTimeout,
    };

    private async Task LoopAsync(IClusterStore store, ClusterWatch watch, HostRegistrar registrar, HostInventory inventory, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await _wake.WaitAsync(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false); // a bound on the wait; grace deadlines are judged on _time
            try
            {
                await PassAsync(store, watch, registrar, inventory, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A pass must never take the daemon down: what it did not finish, the next pass does.
                ClusterLog.PassFailed(_logger, e);
            }
        }
    }

    private async Task PassAsync(IClusterStore store, ClusterWatch watch, HostRegistrar registrar, HostInventory inventory, CancellationToken ct)
    {
        ClusterConnection connection = watch.Connection;
        _state.SetRegistered(registrar.Registered, registrar.Lease);
        if (_state.SetConnection(connection.Connected, connection.DisconnectedSince, connection.LastError) && !connection.Connected)
        {
            ClusterLog.Disconnected(_logger, connection.DisconnectedSince ?? _time.GetUtcNow(), _policy.Current.Policy.Version, _ike.Book.Peers.Count);
        }

        HostRegistration registration = Registration();
        if (!registration.SameContent(_registered ?? registration) || _registered is null)
        {
            registrar.Update(registration); // the TVDs this host has guests of changed
            _registered = registration;
        }

        ClusterMirror mirror = watch.Mirror;
        if (!connection.Connected || !mirror.Loaded)
        {
            return; // fail-static: keep everything as it is
        }

        _state.SetRevision(mirror.Revision);
        if (registrar.Registered && mirror.Get(_keys.Host(_config.Host)) is null)
        {
            registrar.Reassert(); // our key is gone under a live lease (deleted by hand, a restored store): put it back
        }

        UpdateInventory(mirror, inventory);
        UpdateEpoch(mirror);
        if (Offer(mirror.Get(_keys.PolicyCurrent)) is { } result)
        {
            _unwritten = result;
            _state.SetResult(result);
        }

        if (_unwritten is { } pending)
        {
            try
            {
                await store.PutAsync(_keys.Result(_config.Host), pending.ToJson(), 0, ct).ConfigureAwait(false);
                _unwritten = null;
            }
            catch (ClusterStoreException e)
            {
                ClusterLog.ResultNotWritten(_logger, _config.Host, e.Message);
            }
        }
    }

    private void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken: the pass reads everything anew.
        }
    }

    private HostRegistration? _registered;

    /// <summary>What this host says of itself now (never per packet or handshake: written only when this changes).</summary>
    internal HostRegistration Registration()
    {
        DataPlaneConfig? dataPlane = _config.DataPlane;
        var session = _attest.Session;
        string version = DaemonStatusSection.Version;
        return new HostRegistration
        {
            Host = _config.Host,
            Underlay = dataPlane is null ? [] : [.. dataPlane.Underlays.Select(a => a.ToString())],
            IkePort = _config.Ike?.IkePort ?? IkeConfig.DefaultIkePort,
            NattPort = dataPlane?.Port ?? DataPlaneConfig.DefaultPort,
            AkSha256 = session?.AkPin ?? "",
            Tpm = session is null ? HostRegistration.TpmNone : session.IsSoftware ? HostRegistration.TpmEmbeddedSwtpm : HostRegistration.TpmHardware,
            Tvds = GuestTvds(),
            DaemonVersion = version.Length > HostRegistration.MaxDaemonVersionLength ? version[..HostRegistration.MaxDaemonVersionLength] : version,
            RegisteredAt = _time.GetUtcNow(),
        };
    }

    /// <summary>The TVDs of the networks this host's running guests are attached to, sorted.</summary>
    private List<string> GuestTvds()
    {
        EngineSnapshot snapshot = _policy.Engine.Snapshot();
        CompiledPolicy policy = _policy.Engine.Policy;
        HashSet<string> guests = [.. snapshot.Running.Where(r => r.Host == _config.Host).Select(r => r.Guest)];
        return [.. snapshot.Bindings.Where(b => guests.Contains(b.Guest))
            .Select(b => policy.FindResource(b.Resource)?.Tvd?.Name).OfType<string>().Distinct().Order(StringComparer.Ordinal)];
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }
}
