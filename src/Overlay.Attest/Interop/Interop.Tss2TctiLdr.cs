using System.Runtime.InteropServices;

namespace Overlay.Attest.Interop;

internal static partial class Interop
{
    internal static partial class Tss2TctiLdr
    {
        [LibraryImport(Libraries.TctiLdr, StringMarshalling = StringMarshalling.Utf8)]
        private static partial uint Tss2_TctiLdr_Initialize(string nameConf, out IntPtr tcti);

        [LibraryImport(Libraries.TctiLdr)]
        internal static partial void Tss2_TctiLdr_Finalize(ref IntPtr tcti);

        /// <summary>Loads a TCTI by name and configuration ("device:/dev/tpmrm0", "swtpm:path=/run/x/tpm.sock").</summary>
        internal static SafeTctiHandle Initialize(string nameConf)
        {
            var rc = Tss2_TctiLdr_Initialize(nameConf, out var tcti);
            if (rc != 0)
            {
                throw new TpmException($"loading TCTI \"{nameConf}\"", rc);
            }

            return new SafeTctiHandle(tcti);
        }
    }
}
