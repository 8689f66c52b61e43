using Microsoft.Extensions.Logging;

namespace Overlay.Daemon.GuestHost;

/// <summary>Source-generated log lines of the guest subsystem (event ids 8xx).</summary>
internal static partial class GuestLog
{
    [LoggerMessage(800, LogLevel.Information, "guests: not configured (no [hypervisor] or [[guest]] in {Config})")]
    public static partial void NotConfigured(ILogger logger, string config);

    [LoggerMessage(801, LogLevel.Information, "guests: {Count} configured ({Backends}); audit log {AuditLog}")]
    public static partial void Configured(ILogger logger, int count, string backends, string auditLog);

    [LoggerMessage(802, LogLevel.Warning, "guest {Guest}: {Operation}: {Result}")]
    public static partial void OperationNotDone(ILogger logger, string guest, string operation, string result);

    [LoggerMessage(803, LogLevel.Information, "guest {Guest}: port {Port} on {Network} attached to the data plane")]
    public static partial void PortAttached(ILogger logger, string guest, string port, string network);

    [LoggerMessage(804, LogLevel.Warning, "guest {Guest}: port {Port} on {Network} not attached: {Problem}")]
    public static partial void PortNotAttached(ILogger logger, string guest, string port, string network, string problem);

    [LoggerMessage(805, LogLevel.Information, "guest {Guest}: port {Port} detached from the data plane")]
    public static partial void PortDetached(ILogger logger, string guest, string port);

    [LoggerMessage(806, LogLevel.Warning, "guest {Guest}: revoked by policy version {Version}; stopping it")]
    public static partial void Revoked(ILogger logger, string guest, long version);

    [LoggerMessage(807, LogLevel.Error, "guests: reconcile failed: {Problem}")]
    public static partial void ReconcileFailed(ILogger logger, string problem);

    [LoggerMessage(808, LogLevel.Error, "guests: cannot append to audit log {Path}: {Problem}")]
    public static partial void AuditWriteFailed(ILogger logger, string path, string problem);
}
