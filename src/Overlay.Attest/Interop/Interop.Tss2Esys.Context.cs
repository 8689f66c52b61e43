using System.Runtime.InteropServices;

namespace Overlay.Attest.Interop;

internal static partial class Interop
{
    internal static partial class Tss2Esys
    {
        /// <summary>ESYS_TR values from tss2_esys.h.</summary>
        internal const uint TrNone = 0xFFF;
        internal const uint TrPassword = 0x0FF;
        internal const uint TrPcr0 = 0;
        internal const uint TrRhOwner = 0x101;
        internal const uint TrRhEndorsement = 0x10B;

        [LibraryImport(Libraries.Esys)]
        private static partial uint Esys_Initialize(out IntPtr esysContext, IntPtr tcti, IntPtr abiVersion);

        [LibraryImport(Libraries.Esys)]
        internal static partial void Esys_Finalize(ref IntPtr esysContext);

        [LibraryImport(Libraries.Esys)]
        internal static partial void Esys_Free(IntPtr ptr);

        [LibraryImport(Libraries.Esys)]
        internal static partial uint Esys_FlushContext(IntPtr esysContext, uint flushHandle);

        [LibraryImport(Libraries.Esys)]
        internal static partial uint Esys_TR_Close(IntPtr esysContext, ref uint rsrcHandle);

        /// <summary>Creates an ESYS context over a TCTI; the context keeps the TCTI alive.</summary>
        internal static SafeEsysContextHandle Initialize(SafeTctiHandle tcti)
        {
            var added = false;
            tcti.DangerousAddRef(ref added);
            try
            {
                var rc = Esys_Initialize(out var context, tcti.DangerousGetHandle(), IntPtr.Zero);
                TpmException.ThrowIfFailed(rc, "Esys_Initialize");
                var handle = new SafeEsysContextHandle(context, tcti);
                added = false;
                return handle;
            }
            finally
            {
                if (added)
                {
                    tcti.DangerousRelease();
                }
            }
        }
    }
}
