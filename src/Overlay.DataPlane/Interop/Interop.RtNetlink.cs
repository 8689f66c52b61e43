using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Overlay.DataPlane.Interop;

internal static partial class Interop
{
    /// <summary>
    /// The one rtnetlink request the data plane makes: RTM_SETLINK with IFLA_XDP { FD = -1, FLAGS = mode },
    /// which detaches an XDP program attached through netlink (by `ip link set … xdp`, or by an old
    /// daemon version). Programs attached through a BPF link are not touched: their owner is alive.
    /// </summary>
    internal static partial class RtNetlink
    {
        private const int AF_NETLINK = 16;
        private const int NETLINK_ROUTE = 0;
        private const ushort RTM_SETLINK = 19;
        private const ushort NLMSG_ERROR = 2;
        private const ushort NLM_F_REQUEST = 1;
        private const ushort NLM_F_ACK = 4;
        private const ushort IFLA_XDP = 43;
        private const ushort NLA_F_NESTED = 0x8000;
        private const ushort IFLA_XDP_FD = 1;
        private const ushort IFLA_XDP_FLAGS = 3;
        private const int RequestLength = 16 + 16 + 4 + 8 + 8;

        [LibraryImport(Libraries.LibC, EntryPoint = "recv", SetLastError = true)]
        private static unsafe partial nint RecvRaw(SafeSocketFd fd, byte* buffer, nuint length, int flags);

        /// <summary>Detaches the netlink-attached XDP program of <paramref name="ifindex"/> in one mode; 0 or -errno.</summary>
        public static unsafe int DetachXdp(int ifindex, uint modeFlags, string subject)
        {
            using SafeSocketFd fd = LibC.Socket(AF_NETLINK, LinuxSocketConstants.SOCK_RAW, NETLINK_ROUTE, $"rtnetlink {subject}");
            LibC.SetOption(fd, LinuxSocketConstants.SOL_SOCKET, LinuxSocketConstants.SO_RCVTIMEO,
                new timeval { tv_sec = 1 }, subject);
            Span<byte> request = stackalloc byte[RequestLength];
            request.Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(request, RequestLength);          // nlmsghdr.nlmsg_len
            BinaryPrimitives.WriteUInt16LittleEndian(request[4..], RTM_SETLINK);       // nlmsg_type
            BinaryPrimitives.WriteUInt16LittleEndian(request[6..], NLM_F_REQUEST | NLM_F_ACK);
            BinaryPrimitives.WriteUInt32LittleEndian(request[8..], 1);                 // nlmsg_seq
            BinaryPrimitives.WriteInt32LittleEndian(request[20..], ifindex);           // ifinfomsg.ifi_index (family 0)
            BinaryPrimitives.WriteUInt16LittleEndian(request[32..], 4 + 8 + 8);        // nlattr IFLA_XDP (nested)
            BinaryPrimitives.WriteUInt16LittleEndian(request[34..], IFLA_XDP | NLA_F_NESTED);
            BinaryPrimitives.WriteUInt16LittleEndian(request[36..], 8);                // IFLA_XDP_FD = -1
            BinaryPrimitives.WriteUInt16LittleEndian(request[38..], IFLA_XDP_FD);
            BinaryPrimitives.WriteInt32LittleEndian(request[40..], -1);
            BinaryPrimitives.WriteUInt16LittleEndian(request[44..], 8);                // IFLA_XDP_FLAGS = mode
            BinaryPrimitives.WriteUInt16LittleEndian(request[46..], IFLA_XDP_FLAGS);
            BinaryPrimitives.WriteUInt32LittleEndian(request[48..], modeFlags);
            int sent = LibC.Send(fd, request);
            if (sent < 0)
            {
                return sent;
            }

            Span<byte> reply = stackalloc byte[512];
            fixed (byte* p = reply)
            {
                nint n = RecvRaw(fd, p, (nuint)reply.Length, 0);
                if (n < 0)
                {
                    return -Marshal.GetLastPInvokeError();
                }

                if (n < 20 || BinaryPrimitives.ReadUInt16LittleEndian(reply[4..]) != NLMSG_ERROR)
                {
                    return -LinuxSocketConstants.EPROTO;
                }

                return BinaryPrimitives.ReadInt32LittleEndian(reply[16..]); // 0 (ack) or -errno
            }
        }
    }
}
