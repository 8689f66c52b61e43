using System.Runtime.InteropServices;

namespace Overlay.DataPlane.Interop;

internal static partial class Interop
{
    /// <summary>
    /// recvmmsg(2), sendmmsg(2), sendmsg(2) and send(2): the per-batch calls of the I/O loops. They return a count
    /// or a negative errno instead of throwing, because a loop must never throw (a failed send is a
    /// counted drop, a receive timeout is how a loop notices shutdown).
    /// </summary>
    internal static partial class LibC
    {
        [LibraryImport(Libraries.LibC, EntryPoint = "recvmmsg", SetLastError = true)]
        private static unsafe partial int RecvMmsgRaw(SafeSocketFd fd, mmsghdr* messages, uint count, int flags, void* timeout);

        [LibraryImport(Libraries.LibC, EntryPoint = "sendmmsg", SetLastError = true)]
        private static unsafe partial int SendMmsgRaw(SafeSocketFd fd, mmsghdr* messages, uint count, int flags);

        [LibraryImport(Libraries.LibC, EntryPoint = "sendmsg", SetLastError = true)]
        private static unsafe partial nint SendMsgRaw(SafeSocketFd fd, msghdr* message, int flags);

        [LibraryImport(Libraries.LibC, EntryPoint = "send", SetLastError = true)]
        private static unsafe partial nint SendRaw(SafeSocketFd fd, byte* buffer, nuint length, int flags);

        /// <summary>Messages received (≥ 1), or -errno (EAGAIN when SO_RCVTIMEO passed without data).</summary>
        public static unsafe int RecvMmsg(SafeSocketFd fd, mmsghdr* messages, int count, int flags)
        {
            int n = RecvMmsgRaw(fd, messages, (uint)count, flags, null);
            return n >= 0 ? n : -Marshal.GetLastPInvokeError();
        }

        /// <summary>Messages sent (may be fewer than asked), or -errno when the first one failed.</summary>
        public static unsafe int SendMmsg(SafeSocketFd fd, mmsghdr* messages, int count)
        {
            int n = SendMmsgRaw(fd, messages, (uint)count, 0);
            return n >= 0 ? n : -Marshal.GetLastPInvokeError();
        }

        /// <summary>Bytes sent (all iovecs of <paramref name="message"/>), or -errno.</summary>
        public static unsafe int SendMsg(SafeSocketFd fd, msghdr* message)
        {
            nint n = SendMsgRaw(fd, message, 0);
            return n >= 0 ? (int)n : -Marshal.GetLastPInvokeError();
        }

        /// <summary>Bytes sent, or -errno.</summary>
        public static unsafe int Send(SafeSocketFd fd, ReadOnlySpan<byte> data)
        {
            fixed (byte* p = data)
            {
                nint n = SendRaw(fd, p, (nuint)data.Length, 0);
                return n >= 0 ? (int)n : -Marshal.GetLastPInvokeError();
            }
        }
    }
}
