using System.Runtime.InteropServices;

namespace Overlay.Hypervisor.Interop;

internal static partial class Interop
{
    internal static partial class LibC
    {
        /// <summary>linux/if_tun.h: _IOW('T', 202, int), _IOW('T', 203, int).</summary>
        internal const nuint TUNSETIFF = 0x400454ca;
        internal const nuint TUNSETPERSIST = 0x400454cb;

        /// <summary>linux/if_tun.h: a TAP (Ethernet frames), without the 4-byte packet-information header.</summary>
        internal const short IFF_TAP = 0x0002;
        internal const short IFF_NO_PI = 0x1000;

        /// <summary>linux/sockios.h.</summary>
        internal const nuint SIOCGIFFLAGS = 0x8913;
        internal const nuint SIOCSIFFLAGS = 0x8914;

        /// <summary>linux/if.h: net_device_flags.</summary>
        internal const short IFF_UP = 0x1;

        internal const int IFNAMSIZ = 16;

        /// <summary>
        /// linux/if.h <c>struct ifreq</c>: the 16-byte name, then a 24-byte union of which TUNSETIFF and
        /// SIOC[GS]IFFLAGS use the leading <c>short ifr_flags</c>. 40 bytes on 64-bit Linux.
        /// </summary>
        [StructLayout(LayoutKind.Sequential, Size = 40)]
#pragma warning disable CS8981 // kernel structs keep their C names (CONVENTIONS item 18)
        internal unsafe struct ifreq
#pragma warning restore CS8981
        {
            public fixed byte ifr_name[IFNAMSIZ];
            public short ifr_flags;

            /// <summary>An ifreq naming <paramref name="name"/> (ASCII, at most 15 bytes, NUL-terminated).</summary>
            public static ifreq ForName(string name)
            {
                if (name.Length is 0 or >= IFNAMSIZ || !System.Text.Ascii.IsValid(name))
                {
                    throw new ArgumentException($"'{name}' is not a valid interface name (1-15 ASCII characters)", nameof(name));
                }

                var request = default(ifreq);
                for (var i = 0; i < name.Length; i++)
                {
                    request.ifr_name[i] = (byte)name[i];
                }

                return request;
            }
        }
    }
}
