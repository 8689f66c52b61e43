using System.Runtime.InteropServices;
using Overlay.Common.Interop.Unix;
using UnixLibC = Overlay.Common.Interop.Unix.Interop.LibC;

namespace Overlay.DataPlane.Interop;

internal static partial class Interop
{
    /// <summary>socket(2), bind(2), setsockopt(2) and if_nametoindex(3): binding-time calls.</summary>
    internal static partial class LibC
    {
        [LibraryImport(Libraries.LibC, EntryPoint = "bind", SetLastError = true)]
        private static unsafe partial int BindRaw(SafeSocketFd fd, void* address, uint addressLength);

        [LibraryImport(Libraries.LibC, EntryPoint = "setsockopt", SetLastError = true)]
        private static unsafe partial int SetSockOptRaw(SafeSocketFd fd, int level, int name, void* value, uint length);

        [LibraryImport(Libraries.LibC, EntryPoint = "if_nametoindex", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        private static partial uint IfNameToIndexRaw(string name);

        /// <summary>Opens a socket (always close-on-exec); throws <see cref="NativeSocketException"/>.</summary>
        public static SafeSocketFd Socket(int domain, int type, int protocol, string subject)
        {
            if (!UnixLibC.TryOpenSocket(domain, type, protocol, out SafeSocketFd? socket, out ErrorInfo error))
            {
                throw new NativeSocketException("socket", subject, error.RawErrno);
            }

            socket.Description = subject;
            return socket;
        }

        public static unsafe void Bind<TAddress>(SafeSocketFd fd, in TAddress address, string subject)
            where TAddress : unmanaged
        {
            fixed (TAddress* a = &address)
            {
                if (BindRaw(fd, a, (uint)sizeof(TAddress)) != 0)
                {
                    throw new NativeSocketException("bind", subject, Marshal.GetLastPInvokeError());
                }
            }
        }

        public static unsafe void SetOption<TValue>(SafeSocketFd fd, int level, int name, in TValue value, string subject)
            where TValue : unmanaged
        {
            fixed (TValue* v = &value)
            {
                if (SetSockOptRaw(fd, level, name, v, (uint)sizeof(TValue)) != 0)
                {
                    throw new NativeSocketException($"setsockopt({level}, {name})", subject, Marshal.GetLastPInvokeError());
                }
            }
        }

        /// <summary>The interface index of <paramref name="name"/> in this network namespace.</summary>
        public static int InterfaceIndex(string name)
        {
            uint index = IfNameToIndexRaw(name);
            if (index == 0)
            {
                throw new NativeSocketException("if_nametoindex", name, Marshal.GetLastPInvokeError());
            }

            return (int)index;
        }
    }
}
