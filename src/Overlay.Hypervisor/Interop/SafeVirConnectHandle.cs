using Microsoft.Win32.SafeHandles;

namespace Overlay.Hypervisor.Interop;

/// <summary>A virConnectPtr; closed when the last domain handle that holds it is released.</summary>
internal sealed class SafeVirConnectHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    private readonly string _traceId = "virConnect";

    public SafeVirConnectHandle()
        : base(ownsHandle: true)
    {
    }

    internal SafeVirConnectHandle(IntPtr conn, string uri)
        : base(ownsHandle: true)
    {
        SetHandle(conn);
        _traceId = $"virConnect#{conn:x}({uri})";
        HypervisorHandleTracker.Handles.Created(this);
    }

    protected override bool ReleaseHandle()
    {
        HypervisorHandleTracker.Handles.Released(this);

        // virConnectClose returns the remaining reference count (libvirt's own refs from callbacks), or -1.
        return Interop.Libvirt.virConnectClose(handle) >= 0;
    }

    public override string ToString() => _traceId;
}
