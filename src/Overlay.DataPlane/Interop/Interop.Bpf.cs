using System.Runtime.InteropServices;

namespace Overlay.DataPlane.Interop;

internal static partial class Interop
{
    /// <summary>
    /// bpf(2) through syscall(2) (glibc has no wrapper). Every command takes a pointer to its part of
    /// union bpf_attr and that part's size; the kernel zero-extends a shorter attr.
    /// </summary>
    internal static partial class Bpf
    {
        /// <summary>__NR_bpf: 321 on x86_64, 280 on aarch64 (asm-generic).</summary>
        private static readonly long SysBpf = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 280 : 321;

        [LibraryImport(Libraries.LibC, EntryPoint = "syscall", SetLastError = true)]
        private static unsafe partial long SyscallRaw(long number, long command, void* attr, long size);

        /// <summary>The result (≥ 0, often a new fd), or -errno.</summary>
        public static unsafe int Call<TAttr>(BpfCommand command, ref TAttr attr)
            where TAttr : unmanaged
        {
            fixed (TAttr* a = &attr)
            {
                long r = SyscallRaw(SysBpf, (long)command, a, sizeof(TAttr));
                return r >= 0 ? (int)r : -Marshal.GetLastPInvokeError();
            }
        }

        /// <summary>Like <see cref="Call"/> but a new fd comes back as a <see cref="SafeBpfFd"/>; throws on failure.</summary>
        public static SafeBpfFd CallForFd<TAttr>(BpfCommand command, ref TAttr attr, string subject)
            where TAttr : unmanaged
        {
            int fd = Call(command, ref attr);
            if (fd < 0)
            {
                throw new NativeSocketException($"bpf({command})", subject, -fd);
            }

            var handle = new SafeBpfFd { Description = $"{command} {subject}" };
            handle.Adopt(fd);
            return handle;
        }
    }
}
