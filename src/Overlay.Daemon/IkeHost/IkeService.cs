using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Overlay.Daemon.AttestHost;
using Overlay.Daemon.Configuration;
using Overlay.Daemon.DataPlaneHost;
using Overlay.Daemon.Policy;
using Overlay.Ike.Crypto;
using Overlay.Ike.Crypto.KeyExchange;
using Overlay.Ike.Net;
using Overlay.Ike.Peers;
using Overlay.Ike.Sa;

namespace Overlay.Daemon.IkeHost;

/// <summary>
/// The IKE subsystem: IKEv2 (PSK or certificates, RFC 9478 labels) keying the data plane's (peer, TVD)
/// tunnels. Wires IKE's <see cref="IkeTransport"/> (its own port 500; port 4500 through the data plane's
/// socket, <see cref="NatTraversalBridge"/>; IKE work on the transport's workers, never on a packet thread),
/// answers the peers of its <see cref="PeerBook"/> (configured, and the cluster's inventory), hands negotiated CHILD_SAs to the data plane (<see cref="DataPlaneChildSink"/>)
/// and runs IKE's <see cref="PeerReconciler"/> once a second against what the policy wants (<see cref="PolicyPeerPolicy"/>). Starts after the data plane and stops before it, so
/// its DELETEs still leave through the underlay.
/// </summary>
public sealed class IkeService : BackgroundService
{
    /// <summary>How long stopping waits for the peers to answer our DELETEs.</summary>
    private static readonly TimeSpan DeleteGrace = TimeSpan.FromSeconds(1);

    private readonly DaemonConfig _config;
    private readonly PolicyStore _policy;
    private readonly DataPlaneRuntime _dataPlane;
    private readonly NatTraversalBridge _bridge;
    private readonly IkeRuntime _runtime;
    private readonly AttestRuntime _attest;
    private readonly TimeProvider _time;
    private readonly ILogger<IkeService> _logger;
    private PeerReconciler? _reconciler;
    private IkeKeyExport? _keys;

    public IkeService(DaemonConfig config, PolicyStore policy, DataPlaneRuntime dataPlane, NatTraversalBridge bridge, IkeRuntime runtime,
        AttestRuntime attest, TimeProvider time, ILogger<IkeService> logger)
    {
        _attest = attest;
        (_config, _policy, _dataPlane, _bridge, _runtime, _time, _logger) = (config, policy, dataPlane, bridge, runtime, time, logger);
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (_config.Ike is not { Enabled: true } ike || _config.DataPlane is not { } dataPlane || _dataPlane.Pipeline is not { } pipeline)
        {
            IkeLog.NotConfigured(_logger);
            return Task.CompletedTask;
        }

        string localId = ike.LocalId ?? _config.Host;
        if (ike.SharedPsk)
        {
            IkeLog.SharedPsk(_logger, string.Join(", ", dataPlane.Peers.Where(p => ike.AuthOf(ike.PeerSettings(p.Name)) == IkeAuth.Psk
                && ike.PeerSettings(p.Name).Psk is null).Select(p => p.Name)));
        }

        PeerBook book = _runtime.Book;
        // Each peer against our underlay address of its family: the lower address initiates, and our own selector.
        book.Configure([.. dataPlane.Peers.Select(p => new IkePeer(p, ike, dataPlane.UnderlayFor(p.Address.AddressFamily) ?? dataPlane.Underlay, localId))],
            host => new IkePeer(host.Name, host.Address, host.Port, host.IkePort, ike, dataPlane.UnderlayFor(host.Address.AddressFamily) ?? dataPlane.Underlay,
                localId, fromCluster: true));
        IReadOnlyList<IkePeer> peers = book.Peers;
        if (dataPlane.DebugKeyExport is { } path)
        {
            _keys = new IkeKeyExport(path, _dataPlane.Plan?.Sas ?? [], dataPlane.Underlays);
            _runtime.KeyExportPath = _keys.IkePath;
        }

        IkeTransport transport;
        try
        {
            transport = new IkeTransport(dataPlane.Underlays, ike.IkePort, _bridge, ike.Transport);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            throw new IkeStartException($"cannot bind IKE to udp {dataPlane.Underlay}:{ike.IkePort}: {e.Message}"
                + (e.SocketErrorCode == System.Net.Sockets.SocketError.AddressAlreadyInUse
                    ? " (another process holds it: strongSwan's charon, another tvd-overlayd? [ike] ike_port picks another)" : ""), e);
        }

        var sink = new DataPlaneChildSink(pipeline, _policy, book, _runtime, _logger) { KeyExport = _keys };
        var failures = new IkeFailureRecorder(_time, new IkeFailureLog(_logger, a => book.FindByAddress(a)?.Name));
        var services = new IkeSaServices(SystemIkeRandom.Instance, KeyExchangeFactory.Instance, new PolicyLabelPolicy(_policy, _time), sink,
            transport, _time, ike.Retransmit)
        {
            Attestation = _runtime.Attestation = Attestation(),
            Failures = _runtime.Failures = failures,
        };
        CookieOptions? cookies = ike.CookieThreshold > 0 ? CookieOptions.Default with { HalfOpenThreshold = ike.CookieThreshold } : null;
        var manager = new IkeSaManager(services, remote => ResponderConfig(book, remote), cookies, ike.HalfOpen) { Handshakes = _runtime.Handshakes };
        transport.Start(manager.Receive, static () => Hosting.WorkerThreads.LowerCurrent(Hosting.WorkerThreads.IkeWorkerNice));
        _bridge.AttachTransport(transport);
        (_runtime.Manager, _runtime.Transport, _runtime.LocalId) = (manager, transport, localId);
        var reconciler = new PeerReconciler(manager, transport.IkeEndpoint, [.. peers.Select(p => p.Target)],
            new PolicyPeerPolicy(_policy, book, _time), new PeerReconcilerLog(_logger),
            new ReconcilerOptions(ike.RetryInterval, ike.DpdInterval), _time)
        {
            LocalEndpoints = transport.IkeEndpoints,
        };
        book.Changed += now => reconciler.UpdatePeers([.. now.Select(p => p.Target)]);
        reconciler.UpdatePeers([.. book.Peers.Select(p => p.Target)]); // a cluster list that came in between
        _reconciler = reconciler;
        foreach (IkePeer peer in peers.Where(p => _policy.Engine.Policy.FindHost(p.Identity) is null))
        {
            IkeLog.PeerNotInPolicy(_logger, peer.Identity);
        }

        IkeLog.Started(_logger, localId, string.Join(", ", dataPlane.Underlays), transport.IkeEndpoint.Port, transport.NatTraversalEndpoint.Port, peers.Count,
            ike.Transport.Workers);
        return base.StartAsync(cancellationToken);
    }

    /// <summary>
    /// Attested IKE over the attestation subsystem's attester and verifier (null when attestation does not run). With
    /// <see cref="IkeAttestationAdapter.ReplayVariable"/> set, the evidence we give is that file's (a test knob).
    /// </summary>
    private IkeAttestationAdapter? Attestation()
    {
        if (_attest.Handshake is not { } handshake)
        {
            return null;
        }

        byte[]? replay = null;
        if (Environment.GetEnvironmentVariable(IkeAttestationAdapter.ReplayVariable) is { Length: > 0 } path)
        {
            replay = File.ReadAllBytes(path);
            IkeLog.TestReplay(_logger, path, replay.Length);
        }

        // Cluster mode: enrolled AKs pin their hosts where the policy pins none (Common/Policy/EnrolledAkPins).
        return new IkeAttestationAdapter(handshake, () => _runtime.EnrolledAks.Effective(_policy.Current.Requirements), _time, replay);
    }

    /// <summary>A peer we know by address gets its config with a template per TVD both hosts may carry; others are ignored.</summary>
    private IkeSaConfig? ResponderConfig(PeerBook book, IPEndPoint remote)
    {
        IkePeer? peer = book.FindByAddress(remote.Address);
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

            _bridge.AttachTransport(null);
            manager.Dispose();
        }

        if (_runtime.Transport is { } transport)
        {
            await transport.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>IKE could not start for an environmental reason (its port is taken); the daemon exits 1 with the message.</summary>
public sealed class IkeStartException(string message, Exception inner) : Exception(message, inner);
