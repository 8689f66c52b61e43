using System.Runtime.InteropServices;

namespace Overlay.DataPlane.Interop;

internal static partial class Interop
{
    internal static partial class LibC
    {
        [LibraryImport(Libraries.LibC, EntryPoint = "getsockname", SetLastError = true)]
        private static unsafe partial int GetSockNameRaw(SafeSocketFd fd, void* address, uint* addressLength);

        /// <summary>getsockname(2) of an IPv6 socket: where it is bound (the port the kernel chose for port 0).</summary>
        public static unsafe sockaddr_in6 GetSockName6(SafeSocketFd fd, string subject)
        {
            sockaddr_in6 name = default;
            uint length = (uint)sizeof(sockaddr_in6);
            if (GetSockNameRaw(fd, &name, &length) != 0)
            {
                throw new NativeSocketException("getsockname", subject, Marshal.GetLastPInvokeError());
            }

            return name;
        }

        /// <summary>getsockname(2) of an IPv4 socket: where it is bound (the port the kernel chose for port 0).</summary>
        public static unsafe sockaddr_in GetSockName(SafeSocketFd fd, string subject)
        {
            sockaddr_in name = default;
            uint length = (uint)sizeof(sockaddr_in);
            if (GetSockNameRaw(fd, &name, &length) != 0)
            {
                throw new NativeSocketException("getsockname", subject, Marshal.GetLastPInvokeError());
            }

            return name;
        }
    }
}
