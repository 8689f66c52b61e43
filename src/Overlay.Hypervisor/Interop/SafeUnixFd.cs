using Microsoft.Win32.SafeHandles;

namespace Overlay.Hypervisor.Interop;

/// <summary>A file descriptor from open(2) or socket(2), closed exactly once.</summary>
internal sealed class SafeUnixFd : SafeHandleMinusOneIsInvalid
{
    public SafeUnixFd()
        : base(ownsHandle: true)
    {
    }

    internal SafeUnixFd(int fd)
        : base(ownsHandle: true)
    {
        SetHandle(fd);
        HypervisorHandleTracker.Created(this);
    }

    protected override bool ReleaseHandle()
    {
        HypervisorHandleTracker.Released(this);
        return Interop.LibC.Close((int)handle) == 0;
    }

    public override string ToString() => $"fd#{(int)handle}";
}
