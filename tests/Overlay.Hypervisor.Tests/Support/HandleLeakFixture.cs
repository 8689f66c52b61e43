using Overlay.Hypervisor.Interop;

namespace Overlay.Hypervisor.Tests.Support;

/// <summary>Fails the collection if a libvirt or fd handle made by its tests is still open at the end.</summary>
public sealed class HandleLeakFixture : IDisposable
{
    public void Dispose()
    {
        // No GC first: a handle nobody disposed would be released by its finalizer and vanish from the tracker.
        if (HypervisorHandleTracker.Handles.LiveCount != 0)
        {
            throw new InvalidOperationException("leaked native handles:\n" + string.Join("\n", HypervisorHandleTracker.Handles.Describe()));
        }
    }
}
