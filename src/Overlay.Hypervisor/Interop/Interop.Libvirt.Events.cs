using System.Runtime.InteropServices;

namespace Overlay.Hypervisor.Interop;

internal static partial class Interop
{
    internal static partial class Libvirt
    {
        /// <summary>virDomainEventID: VIR_DOMAIN_EVENT_ID_LIFECYCLE (libvirt-domain.h).</summary>
        internal const int VIR_DOMAIN_EVENT_ID_LIFECYCLE = 0;

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virEventRegisterDefaultImpl();

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virEventRunDefaultImpl();

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virEventAddTimeout(int frequencyMs, IntPtr callback, IntPtr opaque, IntPtr freeCallback);

        [LibraryImport(Libraries.Libvirt)]
        private static partial void virEventUpdateTimeout(int timer, int frequencyMs);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virEventRemoveTimeout(int timer);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virConnectDomainEventRegisterAny(
            SafeVirConnectHandle conn, IntPtr domain, int eventId, IntPtr callback, IntPtr opaque, IntPtr freeCallback);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virConnectDomainEventDeregisterAny(SafeVirConnectHandle conn, int callbackId);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virConnectRegisterCloseCallback(SafeVirConnectHandle conn, IntPtr callback, IntPtr opaque, IntPtr freeCallback);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virConnectUnregisterCloseCallback(SafeVirConnectHandle conn, IntPtr callback);

        /// <summary>Installs libvirt's poll-based event loop; must precede every connection that wants events.</summary>
        internal static void RegisterDefaultEventImpl()
        {
            SilenceDefaultErrorPrinter();
            if (virEventRegisterDefaultImpl() < 0)
            {
                throw LastError("virEventRegisterDefaultImpl");
            }
        }

        /// <summary>One iteration of the event loop: blocks in poll until a handle or timer is due, then dispatches.</summary>
        internal static void RunDefaultEventImplOnce()
        {
            if (virEventRunDefaultImpl() < 0)
            {
                throw LastError("virEventRunDefaultImpl");
            }
        }

        internal static int AddTimeout(int frequencyMs, IntPtr callback) =>
            virEventAddTimeout(frequencyMs, callback, IntPtr.Zero, IntPtr.Zero) is var id and >= 0
                ? id
                : throw LastError("virEventAddTimeout");

        internal static void UpdateTimeout(int timer, int frequencyMs) => virEventUpdateTimeout(timer, frequencyMs);

        internal static void RemoveTimeout(int timer) => virEventRemoveTimeout(timer);

        /// <summary>Registers a lifecycle callback for every domain; <paramref name="freeCallback"/> frees <paramref name="opaque"/>.</summary>
        internal static int RegisterLifecycle(SafeVirConnectHandle conn, IntPtr callback, IntPtr opaque, IntPtr freeCallback)
        {
            var id = virConnectDomainEventRegisterAny(conn, IntPtr.Zero, VIR_DOMAIN_EVENT_ID_LIFECYCLE, callback, opaque, freeCallback);
            return id >= 0 ? id : throw LastError("virConnectDomainEventRegisterAny(lifecycle)");
        }

        internal static void DeregisterEvent(SafeVirConnectHandle conn, int callbackId)
        {
            if (virConnectDomainEventDeregisterAny(conn, callbackId) < 0)
            {
                throw LastError("virConnectDomainEventDeregisterAny");
            }
        }

        /// <summary>
        /// Registers the callback run when the connection closes under us (daemon restart, keepalive timeout).
        /// False when the driver never closes on its own (local drivers accept the call and never fire it, or refuse it).
        /// </summary>
        internal static bool RegisterCloseCallback(SafeVirConnectHandle conn, IntPtr callback, IntPtr opaque, IntPtr freeCallback)
        {
            if (virConnectRegisterCloseCallback(conn, callback, opaque, freeCallback) == 0)
            {
                return true;
            }

            var error = LastError("virConnectRegisterCloseCallback");
            return error.IsUnsupported ? false : throw error;
        }

        internal static void UnregisterCloseCallback(SafeVirConnectHandle conn, IntPtr callback)
        {
            if (virConnectUnregisterCloseCallback(conn, callback) < 0)
            {
                virResetLastError();
            }
        }
    }
}
