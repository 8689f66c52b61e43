using Microsoft.Extensions.Logging;

namespace Overlay.Hypervisor.Guests;

internal static partial class GuestManagerLog
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "guest {Guest} [{Backend}] {Kind}: {Detail}")]
    public static partial void Event(ILogger logger, string guest, string backend, GuestAuditKind kind, string detail);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "guest {Guest} [{Backend}] {Kind}: {Detail}")]
    public static partial void Refusal(ILogger logger, string guest, string backend, GuestAuditKind kind, string detail);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Error, Message = "guest {Guest} [{Backend}] started outside the daemon and destroyed: {Detail}")]
    public static partial void OutOfBandDestroyed(ILogger logger, string guest, string backend, string detail);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Error, Message = "guest {Guest} [{Backend}] {Operation} failed: {Error}")]
    public static partial void BackendFailed(ILogger logger, string guest, string backend, string operation, string error);
}
