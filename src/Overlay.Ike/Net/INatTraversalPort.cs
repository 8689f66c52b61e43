using System.Net;

namespace Overlay.Ike.Net;

/// <summary>
/// IKE's port 4500 (RFC 7296 §2.23), which IKE shares with ESP-in-UDP (RFC 3948) and therefore does not
/// own: whoever owns the socket (the data plane) implements this, frames IKE's messages with the non-ESP
/// marker, and hands received IKE messages — marker stripped — to <see cref="IkeTransport.OnNatTraversalMessage"/>.
/// wireguard-go's conn.Bind plays the same role between its device and its sockets.
/// </summary>
public interface INatTraversalPort
{
    /// <summary>Where the port is bound: the local endpoint of IKE SAs that floated to it.</summary>
    IPEndPoint LocalEndpoint { get; }

    /// <summary>Where the port is bound for <paramref name="family"/> (a dual-stack owner has one socket per family).</summary>
    IPEndPoint LocalEndpointFor(System.Net.Sockets.AddressFamily family) => LocalEndpoint;

    /// <summary>Sends one IKE message to <paramref name="remote"/>. Never blocks for long; false when it could not be sent.</summary>
    bool Send(ReadOnlySpan<byte> ikeMessage, IPEndPoint remote);

    /// <summary>
    /// A NAT-keepalive (one octet 0xFF, RFC 3948 §2.3) to <paramref name="remote"/>, unless ESP went there since
    /// the previous call (the owner of the port sees that traffic; IKE does not). True when one was sent.
    /// </summary>
    bool SendNatKeepalive(IPEndPoint remote);
}
