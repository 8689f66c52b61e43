using System.Runtime.InteropServices;
using Overlay.Common.Interop.Unix;
using UnixLibC = Overlay.Common.Interop.Unix.Interop.LibC;

namespace Overlay.Hypervisor.Interop;

internal static partial class Interop
{
    internal static partial class LibC
    {
        internal const int O_RDWR = 0x2;
        internal const int O_CLOEXEC = 0x80000;
        internal const int AF_INET = 2;
        internal const int SOCK_DGRAM = 2;

        [LibraryImport(Libraries.LibC, EntryPoint = "free")]
        [SuppressGCTransition]
        internal static partial void Free(IntPtr pointer);

        [LibraryImport(Libraries.LibC, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        private static partial int OpenRaw(string path, int flags);

        /// <summary>ioctl(2) with a pointer argument (glibc's variadic ioctl reads it as a pointer-sized word on x86-64).</summary>
        [LibraryImport(Libraries.LibC, EntryPoint = "ioctl", SetLastError = true)]
        private static unsafe partial int IoctlRaw(SafeUnixFd fd, nuint request, void* argument);

        /// <summary>ioctl(2) with an integer argument (TUNSETPERSIST takes its flag by value).</summary>
        [LibraryImport(Libraries.LibC, EntryPoint = "ioctl", SetLastError = true)]
        private static partial int IoctlValue(SafeUnixFd fd, nuint request, nint argument);

        internal static SafeUnixFd Open(string path, int flags)
        {
            var fd = OpenRaw(path, flags | O_CLOEXEC);
            if (fd < 0)
            {
                throw ErrnoException.FromLastError($"open({path})");
            }

            var handle = new SafeUnixFd { Description = path };
            handle.Adopt(fd);
            return handle;
        }

        internal static SafeUnixFd Socket(int domain, int type) =>
            UnixLibC.TryOpenSocket(domain, type, 0, out SafeUnixFd? socket, out ErrorInfo error)
                ? socket
                : throw new ErrnoException("socket", error);

        internal static unsafe void Ioctl(SafeUnixFd fd, nuint request, void* argument, string what)
        {
            if (IoctlRaw(fd, request, argument) < 0)
            {
                throw ErrnoException.FromLastError(what);
            }
        }

        internal static void IoctlInt(SafeUnixFd fd, nuint request, nint argument, string what)
        {
            if (IoctlValue(fd, request, argument) < 0)
            {
                throw ErrnoException.FromLastError(what);
            }
        }
    }
}
