using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace Overlay.Common.Interop.Unix;

internal static partial class Interop
{
    internal static partial class LibC
    {
        /// <summary>&lt;linux/net.h&gt;: the descriptor is closed in any program this process executes.</summary>
        internal const int SOCK_CLOEXEC = 0x80000;

        [LibraryImport(Libraries.LibC, EntryPoint = "socket", SetLastError = true)]
        private static partial int SocketRaw(int domain, int type, int protocol);

        /// <summary>
        /// socket(2), always close-on-exec, its descriptor owned by a new <typeparamref name="TFd"/>; on failure the
        /// errno, which the caller turns into its own module's exception.
        /// </summary>
        internal static bool TryOpenSocket<TFd>(int domain, int type, int protocol, [NotNullWhen(true)] out TFd? socket, out ErrorInfo error)
            where TFd : SafeUnixFd, new()
        {
            int fd = SocketRaw(domain, type | SOCK_CLOEXEC, protocol);
            if (fd < 0)
            {
                (socket, error) = (null, ErrorInfo.Last());
                return false;
            }

            socket = new TFd();
            socket.Adopt(fd);
            error = default;
            return true;
        }
    }
}
