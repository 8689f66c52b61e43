using Overlay.DataPlane.Io;

namespace Overlay.DataPlane.Forwarding;

/// <summary>
/// Receives IKE messages that arrived on the shared UDP port behind the non-ESP marker (RFC 3948 §2.2).
/// The key exchange implements this; the data plane only demultiplexes. Called on the underlay receive
/// thread with a span into the receive buffer: copy what must outlive the call, and never block.
/// </summary>
public interface IIkeDatagramSink
{
    /// <param name="ikeMessage">The IKE message without the 4-byte marker.</param>
    /// <param name="source">Where it came from (reply there; NAT may have changed the port).</param>
    void OnIkeDatagram(ReadOnlySpan<byte> ikeMessage, UdpAddress source);
}
