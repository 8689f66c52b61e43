using System.Runtime.InteropServices;

namespace Overlay.Hypervisor.Interop;

internal static partial class Interop
{
    internal static partial class Libvirt
    {
        [LibraryImport(Libraries.Libvirt, StringMarshalling = StringMarshalling.Utf8)]
        private static partial IntPtr virConnectOpen(string? name);

        [LibraryImport(Libraries.Libvirt)]
        internal static partial int virConnectClose(IntPtr conn);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virConnectGetLibVersion(SafeVirConnectHandle conn, out ulong libVer);

        [LibraryImport(Libraries.Libvirt)]
        private static partial IntPtr virConnectGetURI(SafeVirConnectHandle conn);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virConnectSetKeepAlive(SafeVirConnectHandle conn, int interval, uint count);

        [LibraryImport(Libraries.Libvirt)]
        private static partial int virConnectIsAlive(SafeVirConnectHandle conn);

        /// <summary>Opens a connection; the handle closes it. Throws with libvirt's reason when the URI cannot be opened.</summary>
        internal static SafeVirConnectHandle Open(string uri)
        {
            SilenceDefaultErrorPrinter();
            var conn = virConnectOpen(uri);
            if (conn == IntPtr.Zero)
            {
                throw LastError($"virConnectOpen({uri})");
            }

            return new SafeVirConnectHandle(conn, uri);
        }

        /// <summary>libvirt's version as major * 1,000,000 + minor * 1,000 + release.</summary>
        internal static ulong LibVersion(SafeVirConnectHandle conn) =>
            virConnectGetLibVersion(conn, out var version) < 0 ? throw LastError("virConnectGetLibVersion") : version;

        internal static string Uri(SafeVirConnectHandle conn) =>
            TakeString(virConnectGetURI(conn)) ?? throw LastError("virConnectGetURI");

        /// <summary>
        /// Starts keepalive probes: after <paramref name="count"/> unanswered probes <paramref name="interval"/>
        /// seconds apart the connection is closed (and the close callback fires). False when the driver has no
        /// keepalive (local drivers such as test:///): there is no peer that could vanish.
        /// </summary>
        internal static bool SetKeepAlive(SafeVirConnectHandle conn, int interval, uint count)
        {
            var rc = virConnectSetKeepAlive(conn, interval, count);
            if (rc == 0)
            {
                return true;
            }

            if (rc == 1)
            {
                return false;
            }

            var error = LastError("virConnectSetKeepAlive");
            return error.IsUnsupported ? false : throw error;
        }

        internal static bool IsAlive(SafeVirConnectHandle conn) => virConnectIsAlive(conn) == 1;

        /// <summary>Copies and frees a string libvirt allocated for the caller.</summary>
        internal static string? TakeString(IntPtr text)
        {
            if (text == IntPtr.Zero)
            {
                return null;
            }

            try
            {
                return Marshal.PtrToStringUTF8(text);
            }
            finally
            {
                LibC.Free(text);
            }
        }
    }
}
