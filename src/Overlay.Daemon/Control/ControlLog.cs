using Microsoft.Extensions.Logging;

namespace Overlay.Daemon.Control;

/// <summary>Source-generated log lines of the control socket (event ids 2xx).</summary>
internal static partial class ControlLog
{
    [LoggerMessage(200, LogLevel.Information, "control socket listening on {Path} (admits {Access}; verbs: {Verbs})")]
    public static partial void Listening(ILogger logger, string path, string verbs, string access);

    [LoggerMessage(201, LogLevel.Information, "control socket {Path} closed and removed")]
    public static partial void Closed(ILogger logger, string path);

    [LoggerMessage(202, LogLevel.Debug, "control connection #{Connection}: {Result}")]
    public static partial void Served(ILogger logger, long connection, ConnectionResult result);

    [LoggerMessage(203, LogLevel.Warning, "control connection #{Connection} failed: {Message}")]
    public static partial void ConnectionFailed(ILogger logger, long connection, string message);

    [LoggerMessage(204, LogLevel.Error, "control connection #{Connection} hit an internal error")]
    public static partial void ConnectionCrashed(ILogger logger, long connection, Exception exception);

    [LoggerMessage(205, LogLevel.Warning, "control connection #{Connection} refused: {Busy} connections already in flight")]
    public static partial void Busy(ILogger logger, long connection, int busy);

    [LoggerMessage(206, LogLevel.Critical, "control socket {Path} stopped accepting; stopping the daemon")]
    public static partial void AcceptFailed(ILogger logger, string path, Exception exception);

    [LoggerMessage(207, LogLevel.Warning, "control connection #{Connection} from {Client} refused: {Reason}")]
    public static partial void ClientRefused(ILogger logger, long connection, string client, string reason);
}
