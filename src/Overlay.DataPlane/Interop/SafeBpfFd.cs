using Overlay.Common.Interop.Unix;

namespace Overlay.DataPlane.Interop;

/// <summary>
/// A file descriptor returned by bpf(2): a map, a program or a link. Closing a link fd detaches its XDP
/// program; closing the last fd of a map or program frees it. So a daemon that dies leaves nothing
/// attached (links are never pinned here).
/// </summary>
internal sealed class SafeBpfFd : SafeUnixFd
{
    protected override string Kind => "bpf";
}
