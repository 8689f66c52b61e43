using Microsoft.Extensions.Logging;

namespace Overlay.DataPlane.Forwarding;

/// <summary>Source-generated log lines of the forwarding pipeline (event ids 3xx).</summary>
internal static partial class PipelineLog
{
    [LoggerMessage(300, LogLevel.Information, "data plane: port {Port} ({Interface}) attached to tvd '{Label}' vlan {Vlan}")]
    public static partial void PortAttached(ILogger logger, string port, string @interface, string label, int vlan);

    [LoggerMessage(304, LogLevel.Information, "data plane: port {Port} ({Interface}) detached from tvd '{Label}' vlan {Vlan}")]
    public static partial void PortDetached(ILogger logger, string port, string @interface, string label, int vlan);

    [LoggerMessage(301, LogLevel.Information, "data plane: tunnel {Tunnel} to {Peer} ({Address}) for tvd '{Label}' vlan {Vlan}")]
    public static partial void TunnelAdded(ILogger logger, int tunnel, string peer, string address, string label, int vlan);

    [LoggerMessage(302, LogLevel.Information, "data plane: {Loops} loops running, underlay {Underlay}, batch {Batch}")]
    public static partial void Started(ILogger logger, int loops, string underlay, int batch);

    [LoggerMessage(303, LogLevel.Information, "data plane stopped: {Sent} packets sent on the underlay, {Drops} drops")]
    public static partial void Stopped(ILogger logger, long sent, long drops);

    [LoggerMessage(305, LogLevel.Warning, "audit data plane: SA {Spi:x8} from {Peer} (tvd vlan {Vlan}) carried a frame tagged for another TVD; dropped ({Count} so far)")]
    public static partial void ForeignTagAudit(ILogger logger, uint spi, string peer, int vlan, long count);

    [LoggerMessage(306, LogLevel.Information, "data plane: tunnel to {Peer} for tvd '{Label}' now sends to {Remote} (learned by {Source})")]
    public static partial void TunnelRemoteMoved(ILogger logger, string peer, string label, string remote, string source);

    [LoggerMessage(310, LogLevel.Error, "data plane loop {Loop}: unexpected error in a batch (counted as internal_error; loop continues)")]
    public static partial void LoopError(ILogger logger, string loop, Exception exception);

    [LoggerMessage(311, LogLevel.Warning, "data plane loop {Loop}: receive failed with errno {Errno}; retrying")]
    public static partial void ReceiveFailed(ILogger logger, string loop, int errno);
}
