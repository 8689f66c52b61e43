using Overlay.Cluster.Records;
using Overlay.Cluster.Store;
using Overlay.Daemon.Configuration;
using Overlay.Daemon.Status;
using Overlay.Labels.Compiled;
using Overlay.Labels.Engine;

namespace Overlay.Daemon.ClusterHost;

/// <summary>
/// This host's registration (<c>hosts/&lt;host&gt;</c>): put under a lease when a session starts, the lease kept alive
/// every third of its TTL, put again only when its content changes (the TVDs this host has guests of) — never per
/// packet or handshake. A lease the store lost (etcd restarted, a partition longer than the TTL) is granted anew and
/// the registration put again. On an orderly stop the lease is revoked, so peers start their grace at once.
/// </summary>
public sealed partial class ClusterService
{
    private HostRegistration? _registration;

    private async Task<long> RegisterAsync(IClusterStore store, ClusterConfig cluster, CancellationToken ct)
    {
        long lease = await store.GrantLeaseAsync(cluster.LeaseTtl, ct).ConfigureAwait(false);
        HostRegistration registration = Registration();
        await store.PutAsync(_keys.Host(_config.Host), registration.ToJson(), lease, ct).ConfigureAwait(false);
        _registration = registration;
        _state.SetRegistered(lease);
        return lease;
    }

    private async Task KeepAliveAsync(IClusterStore store, ClusterConfig cluster, long lease, CancellationToken ct)
    {
        TimeSpan period = cluster.LeaseTtl / 3;
        while (true)
        {
            await Task.Delay(period, _time, ct).ConfigureAwait(false);
            if (await store.KeepAliveOnceAsync(lease, ct).ConfigureAwait(false) == 0)
            {
                long old = lease;
                lease = await RegisterAsync(store, cluster, ct).ConfigureAwait(false);
                ClusterLog.Reregistered(_logger, old, lease);
                continue;
            }

            HostRegistration now = Registration();
            if (_registration is null || !now.SameContent(_registration))
            {
                await store.PutAsync(_keys.Host(_config.Host), now.ToJson(), lease, ct).ConfigureAwait(false);
                _registration = now;
            }
        }
    }

    /// <summary>Best effort, bounded: the daemon is stopping and must not wait on a store that is gone.</summary>
    private async Task DeregisterAsync(IClusterStore store)
    {
        if (_state.Lease == 0 || !_state.Registered)
        {
            return;
        }

        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await store.RevokeLeaseAsync(_state.Lease, bound.Token).ConfigureAwait(false);
            _state.SetRegistered(0);
        }
        catch (Exception e) when (e is ClusterStoreException or OperationCanceledException)
        {
            // Its lease expires on its own within the TTL.
        }
    }

    /// <summary>What this host says of itself now.</summary>
    internal HostRegistration Registration()
    {
        DataPlaneConfig? dataPlane = _config.DataPlane;
        var session = _attest.Session;
        string version = DaemonStatusSection.Version;
        return new HostRegistration
        {
            Host = _config.Host,
            Underlay = dataPlane is null ? [] : [dataPlane.Underlay.ToString()],
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
}
