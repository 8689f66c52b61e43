using Overlay.Common.Interop.Unix;

namespace Overlay.DataPlane.Interop;

/// <summary>
/// A socket descriptor owned by the data plane (AF_PACKET port, the UDP underlay socket, an AF_XDP socket, a
/// netlink request); a type of its own so the socket calls take no other descriptor.
/// </summary>
internal sealed class SafeSocketFd : SafeUnixFd
{
}
