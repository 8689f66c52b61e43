using Overlay.Hypervisor.Interop;

namespace Overlay.Common.Interop.Unix;

/// <summary>
/// The hypervisor module's part of the shared descriptor handle: every descriptor it opens (/dev/net/tun, an ioctl
/// socket) is tracked with libvirt's handles, so a test fixture fails on a leaked one.
/// </summary>
internal partial class SafeUnixFd
{
    partial void OnAdopted() => HypervisorHandleTracker.Handles.Created(this);

    partial void OnReleased() => HypervisorHandleTracker.Handles.Released(this);
}
