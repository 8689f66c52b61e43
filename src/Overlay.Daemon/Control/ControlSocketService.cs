using System.Net.Sockets;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Overlay.Daemon.Configuration;
using Overlay.Daemon.Hosting;

namespace Overlay.Daemon.Control;

/// <summary>
/// The control-socket subsystem. Binds in <see cref="StartAsync"/> so that readiness (READY=1) is only
/// reported once tvdctl can connect; accepts until shutdown; serves at most
/// <see cref="MaxConcurrentConnections"/> clients at once, each with its own deadline; removes the socket on stop.
/// </summary>
public sealed class ControlSocketService : BackgroundService
{
    /// <summary>tvdctl holds a connection for milliseconds; more than this in flight is a misbehaving client.</summary>
    public const int MaxConcurrentConnections = 8;

    private readonly DaemonConfig _config;
    private readonly ControlRequestHandler _handler;
    private readonly ILogger<ControlSocketService> _logger;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly SemaphoreSlim _slots = new(MaxConcurrentConnections, MaxConcurrentConnections);
    private ControlSocketListener? _listener;
    private ControlAccess? _access;
    private long _connections;

    public ControlSocketService(DaemonConfig config, ControlRequestHandler handler, ILogger<ControlSocketService> logger, IHostApplicationLifetime lifetime)
    {
        _config = config;
        _handler = handler;
        _logger = logger;
        _lifetime = lifetime;
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _access = new ControlAccess(Common.Interop.Unix.Interop.LibC.GetEffectiveUserId(), _config.ControlGroup, _config.ControlGroupName);
        _listener = ControlSocketListener.Bind(_config.ControlSocket, _access);
        ControlLog.Listening(_logger, _listener.Path, string.Join(", ", _handler.Verbs.Order()), _access.Describe());
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ControlSocketListener listener = _listener!;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                Socket client = await listener.AcceptAsync(stoppingToken).ConfigureAwait(false);
                long id = Interlocked.Increment(ref _connections);
                if (!_slots.Wait(0))
                {
                    ControlLog.Busy(_logger, id, MaxConcurrentConnections);
                    client.Dispose();
                    continue;
                }

                _ = ServeAsync(client, id, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: stop taking clients first, then let the ones in flight finish.
        }
        catch (SocketException e)
        {
            // A daemon nobody can control is not one to leave running: stop, and say so in the exit code.
            ControlLog.AcceptFailed(_logger, listener.Path, e);
            Environment.ExitCode = DaemonExitCodes.Failed;
            _lifetime.StopApplication();
        }
        finally
        {
            listener.Dispose();
            await DrainAsync().ConfigureAwait(false);
            ControlLog.Closed(_logger, listener.Path);
        }
    }

    public override void Dispose()
    {
        _listener?.Dispose();
        base.Dispose();
    }

    private async Task ServeAsync(Socket client, long id, CancellationToken stoppingToken)
    {
        try
        {
            using (client)
            {
                PeerCredentials peer = PeerCredentials.Read(client);
                if (_access!.Check(peer) is { } refusal)
                {
                    ControlLog.ClientRefused(_logger, id, peer.ToString(), refusal);
                    await ControlConnection.RefuseAsync(client, refusal, ControlConnection.Timeout, stoppingToken).ConfigureAwait(false);
                    return;
                }

                ConnectionResult result = await ControlConnection.ServeAsync(client, _handler, ControlConnection.Timeout, stoppingToken).ConfigureAwait(false);
                ControlLog.Served(_logger, id, result);
            }
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            ControlLog.ConnectionFailed(_logger, id, e.Message);
        }
        catch (Exception e)
        {
            // The connection is the boundary: one bad exchange must never take the daemon down.
            ControlLog.ConnectionCrashed(_logger, id, e);
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>Waits (bounded by twice the per-connection deadline) until every in-flight client is done.</summary>
    private async Task DrainAsync()
    {
        using var bound = new CancellationTokenSource(ControlConnection.Timeout * 2);
        try
        {
            for (int taken = 0; taken < MaxConcurrentConnections; taken++)
            {
                await _slots.WaitAsync(bound.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // A client still in flight after its own deadline: its socket dies with the process.
        }
    }
}
