using System.Runtime.InteropServices;

namespace Overlay.Attest.Interop;

internal static partial class Interop
{
    /// <summary>
    /// libtss2-mu converts between TPM wire bytes and tpm2-tss C structs. Using it spares this code from mirroring
    /// the C layouts of large unions (TPM2B_PUBLIC is 616 bytes of nested unions); our own code only ever sees
    /// wire bytes. Signatures: Unmarshal(const uint8_t buf[], size_t size, size_t *offset, T *dest),
    /// Marshal(const T *src, uint8_t buf[], size_t size, size_t *offset).
    /// </summary>
    internal static partial class Tss2Mu
    {
        [LibraryImport(Libraries.Mu)]
        internal static unsafe partial uint Tss2_MU_TPM2B_PUBLIC_Unmarshal(byte* buffer, nuint size, ref nuint offset, IntPtr dest);

        [LibraryImport(Libraries.Mu)]
        internal static unsafe partial uint Tss2_MU_TPM2B_SENSITIVE_CREATE_Unmarshal(byte* buffer, nuint size, ref nuint offset, IntPtr dest);

        [LibraryImport(Libraries.Mu)]
        internal static unsafe partial uint Tss2_MU_TPM2B_DATA_Unmarshal(byte* buffer, nuint size, ref nuint offset, IntPtr dest);

        [LibraryImport(Libraries.Mu)]
        internal static unsafe partial uint Tss2_MU_TPML_PCR_SELECTION_Unmarshal(byte* buffer, nuint size, ref nuint offset, IntPtr dest);

        [LibraryImport(Libraries.Mu)]
        internal static unsafe partial uint Tss2_MU_TPMT_SIG_SCHEME_Unmarshal(byte* buffer, nuint size, ref nuint offset, IntPtr dest);

        [LibraryImport(Libraries.Mu)]
        internal static unsafe partial uint Tss2_MU_TPML_DIGEST_VALUES_Unmarshal(byte* buffer, nuint size, ref nuint offset, IntPtr dest);

        [LibraryImport(Libraries.Mu)]
        internal static unsafe partial uint Tss2_MU_TPM2B_PUBLIC_Marshal(IntPtr src, byte* buffer, nuint size, ref nuint offset);

        [LibraryImport(Libraries.Mu)]
        internal static unsafe partial uint Tss2_MU_TPM2B_ATTEST_Marshal(IntPtr src, byte* buffer, nuint size, ref nuint offset);

        [LibraryImport(Libraries.Mu)]
        internal static unsafe partial uint Tss2_MU_TPMT_SIGNATURE_Marshal(IntPtr src, byte* buffer, nuint size, ref nuint offset);

        [LibraryImport(Libraries.Mu)]
        internal static unsafe partial uint Tss2_MU_TPML_PCR_SELECTION_Marshal(IntPtr src, byte* buffer, nuint size, ref nuint offset);

        [LibraryImport(Libraries.Mu)]
        internal static unsafe partial uint Tss2_MU_TPML_DIGEST_Marshal(IntPtr src, byte* buffer, nuint size, ref nuint offset);

        [LibraryImport(Libraries.Mu)]
        internal static unsafe partial uint Tss2_MU_TPM2B_MAX_NV_BUFFER_Marshal(IntPtr src, byte* buffer, nuint size, ref nuint offset);

        [LibraryImport(Libraries.Mu)]
        internal static unsafe partial uint Tss2_MU_TPM2B_NV_PUBLIC_Marshal(IntPtr src, byte* buffer, nuint size, ref nuint offset);

        [LibraryImport(Libraries.Mu)]
        internal static unsafe partial uint Tss2_MU_TPM2B_DIGEST_Marshal(IntPtr src, byte* buffer, nuint size, ref nuint offset);
    }
}
