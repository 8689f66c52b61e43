using Overlay.DataPlane.Forwarding;
using Overlay.DataPlane.Io;

namespace Overlay.Daemon.IkeHost;

/// <summary>
/// The data plane's <see cref="IIkeDatagramSink"/>: IKE messages that arrive on the shared NAT-T port.
/// The pipeline is built before IKE starts, so it gets this relay, which forwards to IKE once
/// <see cref="IkeService"/> attached its endpoints and counts what arrived before (or without) IKE.
/// </summary>
public sealed class IkeDatagramRelay : IIkeDatagramSink
{
    private volatile IIkeDatagramSink? _target;
    private long _unhandled;

    /// <summary>IKE messages on the NAT-T port while IKE was not running.</summary>
    public long Unhandled => Interlocked.Read(ref _unhandled);

    public void Attach(IIkeDatagramSink? target) => _target = target;

    public void OnIkeDatagram(ReadOnlySpan<byte> ikeMessage, UdpAddress source)
    {
        if (_target is { } target)
        {
            target.OnIkeDatagram(ikeMessage, source);
        }
        else
        {
            Interlocked.Increment(ref _unhandled);
        }
    }
}
