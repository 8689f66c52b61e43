using System.Runtime.InteropServices;

namespace Overlay.Common.Interop.Unix;

internal static partial class Interop
{
    internal static partial class LibC
    {
        /// <summary>geteuid(2): the effective user id; cannot fail.</summary>
        [LibraryImport(Libraries.LibC, EntryPoint = "geteuid")]
        [SuppressGCTransition]
        internal static partial uint GetEffectiveUserId();

        [LibraryImport(Libraries.LibC, EntryPoint = "lchown", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        private static partial int LChownRaw(string path, uint owner, uint group);

        /// <summary>lchown(2): sets the group of <paramref name="path"/> itself (the owner stays: -1).</summary>
        /// <exception cref="ErrnoException">lchown failed.</exception>
        internal static void SetGroup(string path, uint group)
        {
            if (LChownRaw(path, uint.MaxValue, group) != 0)
            {
                throw ErrnoException.FromLastError($"chown :{group} {path}");
            }
        }
    }
}
