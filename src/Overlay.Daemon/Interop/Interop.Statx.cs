using System.Runtime.InteropServices;

#pragma warning disable CS8981, IDE1006 // C names on purpose (CONVENTIONS 18)

namespace Overlay.Common.Interop.Unix;

internal static partial class Interop
{
    internal static partial class LibC
    {
        internal const int AT_FDCWD = -100;
        internal const int AT_SYMLINK_NOFOLLOW = 0x100;
        internal const uint STATX_TYPE = 0x1;
        internal const uint STATX_MODE = 0x2;
        internal const uint STATX_UID = 0x8;
        internal const uint STATX_GID = 0x10;

        // <sys/stat.h> file types (st_mode & S_IFMT).
        internal const ushort S_IFMT = 0xF000;
        internal const ushort S_IFDIR = 0x4000;
        internal const ushort S_IFLNK = 0xA000;

        [LibraryImport(Libraries.LibC, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        private static partial int StatxRaw(int dirfd, string path, int flags, uint mask, out statx buffer);

        /// <summary>
        /// statx(2) of <paramref name="path"/> itself (a symbolic link is reported as the link, not followed): its
        /// type, mode, owner and group. statx's layout is the same on every architecture, unlike struct stat's.
        /// </summary>
        /// <exception cref="ErrnoException">statx failed (ENOENT when the path does not exist).</exception>
        internal static statx StatNoFollow(string path)
        {
            if (StatxRaw(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_MODE | STATX_UID | STATX_GID, out statx buffer) != 0)
            {
                throw ErrnoException.FromLastError($"statx {path}");
            }

            return buffer;
        }
    }

    /// <summary>&lt;linux/stat.h&gt; struct statx, up to the fields read here; 256 bytes in all.</summary>
    [StructLayout(LayoutKind.Sequential, Size = 256)]
    internal struct statx
    {
        public uint stx_mask;
        public uint stx_blksize;
        public ulong stx_attributes;
        public uint stx_nlink;
        public uint stx_uid;
        public uint stx_gid;
        public ushort stx_mode;
        public ushort __spare0;
        public ulong stx_ino;

        public readonly bool IsDirectory => (stx_mode & LibC.S_IFMT) == LibC.S_IFDIR;

        public readonly bool IsSymbolicLink => (stx_mode & LibC.S_IFMT) == LibC.S_IFLNK;

        /// <summary>The permission bits (07777).</summary>
        public readonly UnixFileMode Permissions => (UnixFileMode)(stx_mode & 0xFFF);
    }
}
