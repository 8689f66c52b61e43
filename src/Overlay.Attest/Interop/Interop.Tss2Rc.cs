using System.Runtime.InteropServices;

namespace Overlay.Attest.Interop;

internal static partial class Interop
{
    internal static partial class Tss2Rc
    {
        private static readonly object DecodeGate = new();

        [LibraryImport(Libraries.Rc)]
        private static partial IntPtr Tss2_RC_Decode(uint rc);

        /// <summary>Text for a TSS2_RC, e.g. "tpm:warn(2.0): out of memory for object contexts".</summary>
        internal static string Decode(uint rc)
        {
            // Tss2_RC_Decode formats into a static buffer: copy it out before anyone else calls it.
            lock (DecodeGate)
            {
                try
                {
                    return Marshal.PtrToStringUTF8(Tss2_RC_Decode(rc)) ?? $"0x{rc:x8}";
                }
                catch (DllNotFoundException)
                {
                    return $"TSS2_RC 0x{rc:x8} (libtss2-rc not installed)";
                }
            }
        }
    }
}
