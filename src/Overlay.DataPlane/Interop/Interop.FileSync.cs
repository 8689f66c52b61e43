using System.Runtime.InteropServices;
using Overlay.Common.Interop.Unix;

namespace Overlay.DataPlane.Interop;

internal static partial class Interop
{
    internal static partial class LibC
    {
        /// <summary>O_RDONLY | O_CLOEXEC (asm-generic/fcntl.h; the same on x86_64 and aarch64, unlike O_DIRECTORY).</summary>
        private const int OpenReadOnlyCloseOnExec = 0x80000;

        [LibraryImport(Libraries.LibC, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        private static partial int OpenRaw(string path, int flags);

        [LibraryImport(Libraries.LibC, EntryPoint = "fsync", SetLastError = true)]
        private static partial int FSyncRaw(SafeUnixFd fd);

        /// <summary>
        /// fsync(2) on a directory, so that a rename(2) into it is durable (rename alone orders nothing on disk).
        /// .NET has no call for it: a FileStream cannot open a directory. Throws <see cref="ErrnoException"/>.
        /// </summary>
        public static void FSyncDirectory(string path)
        {
            int fd = OpenRaw(path, OpenReadOnlyCloseOnExec);
            if (fd < 0)
            {
                throw ErrnoException.FromLastError($"open {path}");
            }

            using var handle = new SafeUnixFd { Description = path };
            handle.Adopt(fd);
            if (FSyncRaw(handle) != 0)
            {
                throw ErrnoException.FromLastError($"fsync {path}");
            }
        }
    }
}
