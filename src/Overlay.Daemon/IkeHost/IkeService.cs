using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Overlay.Daemon.Configuration;
using Overlay.Daemon.DataPlaneHost;
using Overlay.Daemon.Policy;
using Overlay.DataPlane.Esp;
using Overlay.Ike.Crypto;
using Overlay.Ike.Crypto.KeyExchange;
using Overlay.Ike.Sa;

namespace Overlay.Daemon.IkeHost;

/// <summary>
/// The IKE subsystem: IKEv2 (PSK, RFC 9478 labels) keying the data plane's (peer, TVD) tunnels. It
/// binds IKE's own port 500, shares the data plane's NAT-T socket for port 4500, answers peers the
/// policy knows, installs negotiated CHILD_SAs into the SA table (<see cref="DataPlaneChildSink"/>)
/// and runs <see cref="IkeReconciler"/> once a second. Starts after the data plane and stops before
/// it, so its DELETEs still leave through the underlay.
/// </summary>
public sealed class IkeService : BackgroundService
{
    /// <summary>How long stopping waits for the peers to answer our DELETEs.</summary>
    private static readonly TimeSpan DeleteGrace = TimeSpan.FromSeconds(1);

    private readonly DaemonConfig _config;
    private readonly PolicyStore _policy;
    private readonly DataPlaneRuntime _dataPlane;
    private readonly IkeDatagramRelay _relay;
    private readonly IkeRuntime _runtime;
    private readonly TimeProvider _time;
    private readonly ILogger<IkeService> _logger;
    private IkeReconciler? _reconciler;
    private IkeKeyExport? _keys;

    public IkeService(DaemonConfig config, PolicyStore policy, DataPlaneRuntime dataPlane, IkeDatagramRelay relay, IkeRuntime runtime,
        TimeProvider time, ILogger<IkeService> logger)
    {
        (_config, _policy, _dataPlane, _relay, _runtime, _time, _logger) = (config, policy, dataPlane, relay, runtime, time, logger);
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (_config.Ike is not { Enabled: true } ike || _config.DataPlane is not { } dataPlane || _dataPlane.Pipeline is not { } pipeline)
        {
            IkeLog.NotConfigured(_logger);
            return Task.CompletedTask;
        }

        string localId = ike.LocalId ?? _config.Host;
        List<IkePeer> peers = [.. dataPlane.Peers.Select(p => new IkePeer(p, ike, dataPlane.Underlay, localId))];
        var byId = peers.ToDictionary(p => p.Identity, StringComparer.Ordinal);
        if (dataPlane.DebugKeyExport is { } path)
        {
            _keys = new IkeKeyExport(path, _dataPlane.Plan?.Sas ?? [], dataPlane.Underlay.ToString());
            _runtime.KeyExportPath = _keys.IkePath;
        }

        var endpoints = new IkeEndpoints(dataPlane.Underlay, ike.IkePort, pipeline);
        var sink = new DataPlaneChildSink(pipeline, _policy, byId, _runtime, _logger) { KeyExport = _keys };
        var services = new IkeSaServices(SystemIkeRandom.Instance, KeyExchangeFactory.Instance, new PolicyLabelPolicy(_policy), sink,
            endpoints, _time, ike.Retransmit);
        CookieOptions? cookies = ike.CookieThreshold > 0 ? CookieOptions.Default with { HalfOpenThreshold = ike.CookieThreshold } : null;
        var manager = new IkeSaManager(services, remote => ResponderConfig(peers, remote), cookies);
        endpoints.Start(manager.Receive);
        _relay.Attach(endpoints);
        (_runtime.Manager, _runtime.Endpoints, _runtime.Peers, _runtime.LocalId) = (manager, endpoints, peers, localId);
        _reconciler = new IkeReconciler(manager, endpoints, peers, _policy, ike, _time, _logger);
        IkeLog.Started(_logger, localId, dataPlane.Underlay.ToString(), endpoints.IkeEndpoint.Port, endpoints.NatTraversalEndpoint.Port, peers.Count);
        return base.StartAsync(cancellationToken);
    }

    /// <summary>A peer we know by address gets its config with a template per TVD both hosts may carry; others are ignored.</summary>
    private IkeSaConfig? ResponderConfig(IReadOnlyList<IkePeer> peers, IPEndPoint remote)
    {
        IkePeer? peer = peers.FirstOrDefault(p => p.Address.Equals(remote.Address));
        return peer is not { CanAuthenticate: true } ? null : peer.IkeConfig(_policy.Engine.CarriableTvds(_policy.HostName, peer.Identity));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_reconciler is null)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), _time);
        do
        {
            try
            {
                _reconciler.Run();
                ExportIkeKeys();
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                IkeLog.ReconcileFailed(_logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private void ExportIkeKeys()
    {
        if (_keys is null || _runtime.Manager is not { } manager)
        {
            return;
        }

        try
        {
            if (_keys.AddIkeSas(manager.Sas))
            {
                IkeLog.KeysExported(_logger, _keys.IkeSaCount, _keys.IkePath);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            IkeLog.KeyExportFailed(_logger, _keys.IkePath, e.Message);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_runtime.Manager is { } manager)
        {
            // Say goodbye (RFC 7296 §1.4.1), so peers drop our SAs now rather than after their DPD.
            foreach (IkeSa sa in manager.Sas.Where(sa => sa.State == IkeSaState.Established))
            {
                sa.Delete();
            }

            for (int i = 0; i < 20 && manager.Sas.Any(sa => sa.State == IkeSaState.Deleting); i++)
            {
                await Task.Delay(DeleteGrace / 20, cancellationToken).ConfigureAwait(false);
            }

            _relay.Attach(null);
            manager.Dispose();
        }

        if (_runtime.Endpoints is { } endpoints)
        {
            await endpoints.DisposeAsync().ConfigureAwait(false);
        }
    }
}
