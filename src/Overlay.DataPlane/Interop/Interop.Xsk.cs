using System.Runtime.InteropServices;

namespace Overlay.DataPlane.Interop;

internal static partial class Interop
{
    /// <summary>getsockopt(2), mmap(2)/munmap(2), poll(2) and sendto(2): what an AF_XDP socket needs beyond bind/setsockopt.</summary>
    internal static partial class LibC
    {
        [LibraryImport(Libraries.LibC, EntryPoint = "getsockopt", SetLastError = true)]
        private static unsafe partial int GetSockOptRaw(SafeSocketFd fd, int level, int name, void* value, uint* length);

        [LibraryImport(Libraries.LibC, EntryPoint = "mmap", SetLastError = true)]
        private static unsafe partial void* MmapRaw(void* address, nuint length, int protection, int flags, int fd, long offset);

        [LibraryImport(Libraries.LibC, EntryPoint = "munmap", SetLastError = true)]
        internal static unsafe partial int Munmap(void* address, nuint length);

        [LibraryImport(Libraries.LibC, EntryPoint = "poll", SetLastError = true)]
        private static unsafe partial int PollRaw(pollfd* fds, nuint count, int timeoutMilliseconds);

        [LibraryImport(Libraries.LibC, EntryPoint = "sendto", SetLastError = true)]
        private static unsafe partial nint SendToRaw(SafeSocketFd fd, void* buffer, nuint length, int flags, void* address, uint addressLength);

        public static unsafe void GetOption<TValue>(SafeSocketFd fd, int level, int name, out TValue value, string subject)
            where TValue : unmanaged
        {
            TValue result = default;
            uint length = (uint)sizeof(TValue);
            if (GetSockOptRaw(fd, level, name, &result, &length) != 0)
            {
                throw new NativeSocketException($"getsockopt({level}, {name})", subject, Marshal.GetLastPInvokeError());
            }

            value = result;
        }

        /// <summary>A shared mapping of <paramref name="length"/> bytes (of fd at offset, or anonymous with fd -1).</summary>
        public static unsafe byte* Mmap(nuint length, int flags, SafeSocketFd? fd, long offset, string subject)
        {
            bool added = false;
            try
            {
                fd?.DangerousAddRef(ref added);
                int raw = fd is null ? -1 : (int)fd.DangerousGetHandle();
                void* p = MmapRaw(null, length, LinuxXdpConstants.PROT_READ | LinuxXdpConstants.PROT_WRITE, flags, raw, offset);
                if (p == (void*)-1)
                {
                    throw new NativeSocketException("mmap", subject, Marshal.GetLastPInvokeError());
                }

                return (byte*)p;
            }
            finally
            {
                if (added)
                {
                    fd!.DangerousRelease();
                }
            }
        }

        /// <summary>Waits for <paramref name="events"/> on fd; the revents, 0 on timeout, or -errno.</summary>
        public static unsafe int Poll(SafeSocketFd fd, short events, int timeoutMilliseconds)
        {
            bool added = false;
            try
            {
                fd.DangerousAddRef(ref added);
                var p = new pollfd { fd = (int)fd.DangerousGetHandle(), events = events };
                int n = PollRaw(&p, 1, timeoutMilliseconds);
                return n < 0 ? -Marshal.GetLastPInvokeError() : n == 0 ? 0 : p.revents;
            }
            finally
            {
                if (added)
                {
                    fd.DangerousRelease();
                }
            }
        }

        /// <summary>sendto(fd, NULL, 0, MSG_DONTWAIT): the AF_XDP TX kick. 0 or -errno.</summary>
        public static unsafe int Kick(SafeSocketFd fd)
        {
            nint n = SendToRaw(fd, null, 0, LinuxSocketConstants.MSG_DONTWAIT, null, 0);
            return n >= 0 ? 0 : -Marshal.GetLastPInvokeError();
        }
    }
}
