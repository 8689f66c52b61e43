using Microsoft.Extensions.Logging;

namespace Overlay.Daemon.DataPlaneHost;

/// <summary>Source-generated log lines of the data plane subsystem (event ids 4xx).</summary>
internal static partial class DataPlaneLog
{
    [LoggerMessage(400, LogLevel.Information, "data plane: not configured (no [dataplane] in {Config})")]
    public static partial void NotConfigured(ILogger logger, string config);

    [LoggerMessage(401, LogLevel.Information, "data plane: SA {Spi} {Direction} peer {Peer} tvd {Tvd} vlan {Vlan} installed (static key)")]
    public static partial void SaInstalled(ILogger logger, string spi, string direction, string peer, string tvd, int vlan);

    [LoggerMessage(402, LogLevel.Error, "data plane: SA {Spi} {Direction} peer {Peer} not installed: {Result}")]
    public static partial void SaRefused(ILogger logger, string spi, string direction, string peer, string result);

    [LoggerMessage(403, LogLevel.Warning, "data plane: port {Port} ({Interface}) refused: guest '{Guest}' on network '{Network}': {Decision}")]
    public static partial void PortDenied(ILogger logger, string port, string @interface, string guest, string network, string decision);

    [LoggerMessage(404, LogLevel.Error, "data plane: port {Port} ({Interface}) could not be opened: {Problem}")]
    public static partial void PortFailed(ILogger logger, string port, string @interface, string problem);

    [LoggerMessage(405, LogLevel.Warning, "data plane: debug_key_export is on: ESP keys of {Count} SAs written to {Path} (Wireshark esp_sa); do not use in production")]
    public static partial void KeysExported(ILogger logger, int count, string path);

    [LoggerMessage(406, LogLevel.Error, "data plane: cannot write debug_key_export {Path}: {Problem}")]
    public static partial void KeyExportFailed(ILogger logger, string path, string problem);

    [LoggerMessage(407, LogLevel.Information, "data plane: port {Port} ({Interface}) io {Io}: {Detail}")]
    public static partial void PortIoChosen(ILogger logger, string port, string @interface, string io, string detail);

    [LoggerMessage(408, LogLevel.Warning, "data plane: port {Port} ({Interface}): AF_XDP not available, falling back to af_packet: {Reason}")]
    public static partial void XdpFallback(ILogger logger, string port, string @interface, string reason);

    [LoggerMessage(409, LogLevel.Information, "data plane: SA {Spi} inner mode ip: tvd {Tvd} routes {Remote} to peer {Peer} (local_ts {Local})")]
    public static partial void SaRoutes(ILogger logger, string spi, string tvd, string remote, string local, string peer);

    [LoggerMessage(410, LogLevel.Warning, "data plane: static SA {Spi} {Direction} peer {Peer} tvd {Tvd} not installed: the policy refuses it: {Decision}")]
    public static partial void SaDenied(ILogger logger, string spi, string direction, string peer, string tvd, string decision);

    [LoggerMessage(411, LogLevel.Warning, "data plane: static SA {Spi} {Direction} peer {Peer} tvd {Tvd} revoked by policy version {Version}: removed ({Decision})")]
    public static partial void SaRevoked(ILogger logger, string spi, string direction, string peer, string tvd, long version, string decision);

    [LoggerMessage(412, LogLevel.Warning, "data plane: port {Port} ({Interface}) of guest '{Guest}' on network '{Network}' revoked: detached ({Reason})")]
    public static partial void PortRevoked(ILogger logger, string port, string @interface, string guest, string network, string reason);

    [LoggerMessage(413, LogLevel.Information, "data plane: underlay io {Io}: {Detail}")]
    public static partial void UnderlayIoChosen(ILogger logger, string io, string detail);

    [LoggerMessage(414, LogLevel.Warning, "data plane: underlay_io af_xdp not available, the UDP socket carries the underlay: {Reason}")]
    public static partial void XdpUnderlayFallback(ILogger logger, string reason);

    [LoggerMessage(430, LogLevel.Warning, "data plane: test knob: static SAs reserve {Block} sequence numbers per write instead of 2^20")]
    public static partial void TestSequenceBlock(ILogger logger, ulong block);

    [LoggerMessage(440, LogLevel.Information, "data plane: capture of {Tvd} started ({Filter}, snaplen {SnapLength}, {Slots} ring slots)")]
    public static partial void CaptureStarted(ILogger logger, string tvd, string filter, int snapLength, int slots);

    [LoggerMessage(441, LogLevel.Information, "data plane: capture of {Tvd} ended ({Ended}): {Frames} frames delivered, {Dropped} dropped by its ring")]
    public static partial void CaptureEnded(ILogger logger, string tvd, string ended, long frames, long dropped);

    [LoggerMessage(460, LogLevel.Information, "data plane: {Workers} workers: underlay {Underlay} read by {Workers} sockets in one SO_REUSEPORT group, steered by {Steering}")]
    public static partial void WorkersStarted(ILogger logger, int workers, string underlay, string steering);

    [LoggerMessage(461, LogLevel.Warning, "data plane: the kernel refused the SPI steering program ({Problem}); its 4-tuple hash spreads underlay datagrams over the workers instead")]
    public static partial void SteeringRefused(ILogger logger, string problem);

    [LoggerMessage(462, LogLevel.Warning, "data plane: port {Port} ({Interface}): no fanout group of {Workers} sockets ({Problem}); one socket reads it")]
    public static partial void FanoutFallback(ILogger logger, string port, string @interface, int workers, string problem);
}
