using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Overlay.Common.Interop.Unix;

internal static partial class Interop
{
    internal static partial class LibC
    {
        // <asm-generic/fcntl.h> (x86_64 and aarch64 agree on these).
        internal const int O_WRONLY = 0x1;
        internal const int O_CREAT = 0x40;
        internal const int O_EXCL = 0x80;
        internal const int O_NOFOLLOW = 0x20000;
        internal const int O_CLOEXEC = 0x80000;

        [LibraryImport(Libraries.LibC, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        private static partial SafeFileHandle OpenRaw(string path, int flags, uint mode);

        /// <summary>
        /// open(2) of a file that must not exist yet, for writing: <c>O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC</c>, so an
        /// existing file or a symbolic link planted at <paramref name="path"/> (even a dangling one) fails with EEXIST
        /// instead of being written through, and the file has <paramref name="mode"/> from its first instant.
        /// </summary>
        /// <exception cref="ErrnoException">open failed.</exception>
        internal static SafeFileHandle CreateExclusive(string path, UnixFileMode mode)
        {
            SafeFileHandle handle = OpenRaw(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, (uint)mode);
            if (handle.IsInvalid)
            {
                ErrorInfo error = ErrorInfo.Last();
                handle.Dispose();
                throw new ErrnoException($"open {path} (O_CREAT|O_EXCL|O_NOFOLLOW)", error);
            }

            return handle;
        }
    }
}
