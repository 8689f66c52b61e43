using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Native = Overlay.Hypervisor.Interop.Interop.Libvirt;

namespace Overlay.Hypervisor.Libvirt;

/// <summary>
/// The native callbacks. libvirt gets static [UnmanagedCallersOnly] functions and a GCHandle to this connection as
/// the opaque pointer; libvirt's free callback releases the GCHandle once it will never call again, which is after
/// deregistration, possibly later and on the event-loop thread.
/// </summary>
public sealed partial class LibvirtConnection
{
    private static long s_callbackFailures;
    private int _lifecycleCallbackId = -1;
    private bool _closeRegistered;

    /// <summary>Callbacks in which a handler threw; the exception stops at the native boundary.</summary>
    public static long CallbackFailures => Interlocked.Read(ref s_callbackFailures);

    private unsafe void RegisterCallbacks()
    {
        var lifecycleOpaque = GCHandle.ToIntPtr(GCHandle.Alloc(this));
        try
        {
            _lifecycleCallbackId = Native.RegisterLifecycle(
                _handle, (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, IntPtr, int, int, IntPtr, int>)&OnLifecycle,
                lifecycleOpaque, (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, void>)&FreeOpaque);
        }
        catch
        {
            GCHandle.FromIntPtr(lifecycleOpaque).Free();
            throw;
        }

        var closeOpaque = GCHandle.ToIntPtr(GCHandle.Alloc(this));
        bool registered;
        try
        {
            registered = Native.RegisterCloseCallback(
                _handle, CloseCallbackPointer, closeOpaque, (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, void>)&FreeOpaque);
        }
        catch
        {
            GCHandle.FromIntPtr(closeOpaque).Free();
            throw;
        }

        if (!registered)
        {
            GCHandle.FromIntPtr(closeOpaque).Free();
        }

        _closeRegistered = registered;
        CloseNotificationEnabled = registered;
    }

    private static unsafe IntPtr CloseCallbackPointer => (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr, void>)&OnClose;

    private void UnregisterCallbacks()
    {
        if (_lifecycleCallbackId >= 0)
        {
            try
            {
                Native.DeregisterEvent(_handle, _lifecycleCallbackId);
            }
            catch (Interop.LibvirtException)
            {
                // The connection is already dead: libvirt drops its callbacks (and frees their opaques) on close.
            }

            _lifecycleCallbackId = -1;
        }

        if (_closeRegistered)
        {
            Native.UnregisterCloseCallback(_handle, CloseCallbackPointer);
            _closeRegistered = false;
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int OnLifecycle(IntPtr conn, IntPtr domain, int eventType, int detail, IntPtr opaque)
    {
        try
        {
            if (GCHandle.FromIntPtr(opaque).Target is LibvirtConnection self && !self.IsDisposed)
            {
                var name = Native.Name(domain);
                self.DomainLifecycle?.Invoke(new DomainLifecycleEvent(name, (DomainEventType)eventType, detail));
            }
        }
        catch (Exception)
        {
            Interlocked.Increment(ref s_callbackFailures);
        }

        return 0;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnClose(IntPtr conn, int reason, IntPtr opaque)
    {
        try
        {
            if (GCHandle.FromIntPtr(opaque).Target is LibvirtConnection self && !self.IsDisposed)
            {
                self.Closed?.Invoke((ConnectionCloseReason)reason);
            }
        }
        catch (Exception)
        {
            Interlocked.Increment(ref s_callbackFailures);
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void FreeOpaque(IntPtr opaque)
    {
        try
        {
            GCHandle.FromIntPtr(opaque).Free();
        }
        catch (Exception)
        {
            Interlocked.Increment(ref s_callbackFailures);
        }
    }
}
