using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Overlay.Hypervisor.Interop;

namespace Overlay.Hypervisor.Libvirt;

/// <summary>
/// The daemon's libvirt connection, kept up: keepalive notices a dead daemon, the close callback reports it, and
/// a reconnect loop with <see cref="Backoff"/> opens a new connection and moves the event subscription to it.
/// Lifecycle events of the connection of the moment are forwarded through <see cref="DomainLifecycle"/>; events
/// while disconnected are lost, so <see cref="Reconnected"/> tells the owner to reconcile.
/// </summary>
public sealed partial class LibvirtSession : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Func<string, LibvirtConnection> _open;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private LibvirtConnection? _current;
    private Task? _reconnecting;

    public LibvirtSession(
        string uri = LibvirtConnection.SystemUri,
        Backoff? backoff = null,
        TimeProvider? time = null,
        ILogger<LibvirtSession>? logger = null,
        Func<string, LibvirtConnection>? open = null)
    {
        Uri = uri;
        Backoff = backoff ?? Backoff.Default;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger<LibvirtSession>.Instance;
        _open = open ?? (u => LibvirtConnection.Open(u));
    }

    public event Action<DomainLifecycleEvent>? DomainLifecycle;

    /// <summary>Raised after a lost connection was replaced (on a thread-pool thread).</summary>
    public event Action? Reconnected;

    public string Uri { get; }

    public Backoff Backoff { get; }

    public int Reconnects { get; private set; }

    public bool IsConnected
    {
        get
        {
            lock (_gate)
            {
                return _current is not null;
            }
        }
    }

    /// <summary>The live connection; throws while the daemon is unreachable (the reconnect loop is running).</summary>
    public LibvirtConnection Connection
    {
        get
        {
            lock (_gate)
            {
                return _current ?? throw new Guests.GuestBackendException($"libvirt at {Uri} is unreachable; reconnecting");
            }
        }
    }

    /// <summary>Connects for the first time; throws <see cref="LibvirtException"/> when libvirt cannot be reached.</summary>
    public void Open()
    {
        var connection = _open(Uri);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping.IsCancellationRequested, this);
            Adopt(connection);
        }

        SessionLog.Connected(_logger, Uri, connection.KeepAliveEnabled, connection.CloseNotificationEnabled);
    }

    public void Dispose()
    {
        _stopping.Cancel();
        LibvirtConnection? last;
        lock (_gate)
        {
            last = _current;
            _current = null;
        }

        Release(last);
        try
        {
            _reconnecting?.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The loop ends by cancellation; its outcome no longer matters.
        }

        _stopping.Dispose();
    }

    private void Adopt(LibvirtConnection connection)
    {
        connection.DomainLifecycle += Forward;
        connection.Closed += OnClosed;
        _current = connection;
    }

    private void Release(LibvirtConnection? connection)
    {
        if (connection is null)
        {
            return;
        }

        connection.DomainLifecycle -= Forward;
        connection.Closed -= OnClosed;
        connection.Dispose();
    }

    private void Forward(DomainLifecycleEvent e) => DomainLifecycle?.Invoke(e);

    /// <summary>On the event-loop thread: hand off at once; the old connection is released off that thread.</summary>
    private void OnClosed(ConnectionCloseReason reason)
    {
        LibvirtConnection? lost;
        lock (_gate)
        {
            lost = _current;
            _current = null;
            if (lost is null || _stopping.IsCancellationRequested || _reconnecting is { IsCompleted: false })
            {
                return;
            }

            _reconnecting = Task.Run(() => ReconnectAsync(lost, reason));
        }
    }

    private async Task ReconnectAsync(LibvirtConnection lost, ConnectionCloseReason reason)
    {
        SessionLog.Lost(_logger, Uri, reason);
        Release(lost);
        for (var attempt = 0; !_stopping.IsCancellationRequested; attempt++)
        {
            try
            {
                await Task.Delay(Backoff.Delay(attempt), _time, _stopping.Token).ConfigureAwait(false);
                var connection = _open(Uri);
                lock (_gate)
                {
                    if (_stopping.IsCancellationRequested)
                    {
                        connection.Dispose();
                        return;
                    }

                    Adopt(connection);
                    Reconnects++;
                }

                SessionLog.Reconnected(_logger, Uri, attempt + 1);
                Reconnected?.Invoke();
                return;
            }
            catch (LibvirtException e)
            {
                SessionLog.RetryFailed(_logger, Uri, attempt + 1, e.LibvirtMessage);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static partial class SessionLog
    {
        [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "libvirt {Uri} connected (keepalive {KeepAlive}, close notification {CloseNotification})")]
        public static partial void Connected(ILogger logger, string uri, bool keepAlive, bool closeNotification);

        [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "libvirt {Uri} connection lost ({Reason}); reconnecting")]
        public static partial void Lost(ILogger logger, string uri, ConnectionCloseReason reason);

        [LoggerMessage(EventId = 5103, Level = LogLevel.Information, Message = "libvirt {Uri} reconnected after {Attempts} attempt(s)")]
        public static partial void Reconnected(ILogger logger, string uri, int attempts);

        [LoggerMessage(EventId = 5104, Level = LogLevel.Warning, Message = "libvirt {Uri} reconnect attempt {Attempt} failed: {Error}")]
        public static partial void RetryFailed(ILogger logger, string uri, int attempt, string error);
    }
}
