using System.Runtime.InteropServices;

namespace Overlay.Attest.Interop;

internal static partial class Interop
{
    /// <summary>
    /// ESYS commands. Structure arguments are pointers to tpm2-tss C structs, which <see cref="NativeStruct"/> builds
    /// from wire bytes with libtss2-mu; outputs are ESYS-allocated and freed with Esys_Free.
    /// </summary>
    internal static partial class Tss2Esys
    {
        [LibraryImport(Libraries.Esys)]
        internal static partial uint Esys_CreatePrimary(IntPtr ctx, uint primaryHandle, uint sh1, uint sh2, uint sh3,
            IntPtr inSensitive, IntPtr inPublic, IntPtr outsideInfo, IntPtr creationPcr, out uint objectHandle,
            out IntPtr outPublic, IntPtr creationData, IntPtr creationHash, IntPtr creationTicket);

        [LibraryImport(Libraries.Esys)]
        internal static partial uint Esys_Quote(IntPtr ctx, uint signHandle, uint sh1, uint sh2, uint sh3,
            IntPtr qualifyingData, IntPtr inScheme, IntPtr pcrSelect, out IntPtr quoted, out IntPtr signature);

        [LibraryImport(Libraries.Esys)]
        internal static partial uint Esys_PCR_Extend(IntPtr ctx, uint pcrHandle, uint sh1, uint sh2, uint sh3, IntPtr digests);

        [LibraryImport(Libraries.Esys)]
        internal static partial uint Esys_PCR_Read(IntPtr ctx, uint sh1, uint sh2, uint sh3, IntPtr pcrSelectionIn,
            out uint pcrUpdateCounter, out IntPtr pcrSelectionOut, out IntPtr pcrValues);

        [LibraryImport(Libraries.Esys)]
        internal static partial uint Esys_TR_FromTPMPublic(IntPtr ctx, uint tpmHandle, uint sh1, uint sh2, uint sh3, out uint obj);

        [LibraryImport(Libraries.Esys)]
        internal static partial uint Esys_NV_ReadPublic(IntPtr ctx, uint nvIndex, uint sh1, uint sh2, uint sh3,
            out IntPtr nvPublic, IntPtr nvName);

        [LibraryImport(Libraries.Esys)]
        internal static partial uint Esys_NV_Read(IntPtr ctx, uint authHandle, uint nvIndex, uint sh1, uint sh2, uint sh3,
            ushort size, ushort offset, out IntPtr data);

        [LibraryImport(Libraries.Esys)]
        internal static partial uint Esys_GetRandom(IntPtr ctx, uint sh1, uint sh2, uint sh3, ushort bytesRequested, out IntPtr randomBytes);
    }
}
