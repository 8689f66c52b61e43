using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Overlay.Hypervisor.Interop;

internal static partial class Interop
{
    internal static partial class Libvirt
    {
        /// <summary>The head of libvirt's <c>struct _virError</c> (virterror.h); only the fields read here.</summary>
        [StructLayout(LayoutKind.Sequential)]
        internal struct virError
        {
            public int code;
            public int domain;
            public IntPtr message;
            public int level;
        }

        /// <summary>virErrorNumber values this code reacts to (virterror.h).</summary>
        internal const int VIR_ERR_NO_SUPPORT = 3;
        internal const int VIR_ERR_NO_DOMAIN = 42;
        internal const int VIR_ERR_OPERATION_INVALID = 55;

        /// <summary>The calling thread's last libvirt error (thread-local in libvirt; never freed by the caller).</summary>
        [LibraryImport(Libraries.Libvirt)]
        private static unsafe partial virError* virGetLastError();

        [LibraryImport(Libraries.Libvirt)]
        internal static partial void virResetLastError();

        [LibraryImport(Libraries.Libvirt)]
        private static unsafe partial void virSetErrorFunc(IntPtr userData, delegate* unmanaged[Cdecl]<IntPtr, IntPtr, void> handler);

        private static int s_errorFuncInstalled;

        /// <summary>
        /// libvirt prints every error to stderr unless an error function is installed. Errors reach the caller as
        /// <see cref="LibvirtException"/>s, so the default printer only duplicates them into the daemon's stderr.
        /// </summary>
        internal static unsafe void SilenceDefaultErrorPrinter()
        {
            if (Interlocked.Exchange(ref s_errorFuncInstalled, 1) == 0)
            {
                virSetErrorFunc(IntPtr.Zero, &IgnoreError);
            }
        }

        [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
        private static void IgnoreError(IntPtr userData, IntPtr error)
        {
        }

        /// <summary>The last error as an exception; <paramref name="operation"/> says what was being done.</summary>
        internal static unsafe LibvirtException LastError(string operation)
        {
            var error = virGetLastError();
            if (error is null)
            {
                return new LibvirtException(operation, 0, 0, "libvirt reported a failure without an error");
            }

            var message = Marshal.PtrToStringUTF8(error->message) ?? "(no message)";
            var exception = new LibvirtException(operation, error->code, error->domain, message);
            virResetLastError();
            return exception;
        }
    }
}
