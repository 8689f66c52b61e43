using System.Runtime.InteropServices;

namespace Overlay.Common.Interop.Unix;

internal static partial class Interop
{
    internal static partial class LibC
    {
        /// <summary>
        /// close(2); 0 or -1. Called once per descriptor, by <see cref="SafeUnixFd"/>'s release, and never retried:
        /// Linux frees the descriptor even when close reports EINTR, so a retry could close someone else's.
        /// </summary>
        [LibraryImport(Libraries.LibC, EntryPoint = "close", SetLastError = true)]
        internal static partial int Close(int fd);
    }
}
