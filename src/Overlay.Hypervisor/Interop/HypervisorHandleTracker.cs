using Overlay.Common.Interop;

namespace Overlay.Hypervisor.Interop;

/// <summary>
/// The module's live native handles (libvirt connections and domains, file descriptors): a leaked virDomainPtr
/// keeps its connection, and the daemon's socket, open.
/// </summary>
internal static class HypervisorHandleTracker
{
    public static NativeHandleTracker Handles { get; } = new();
}
