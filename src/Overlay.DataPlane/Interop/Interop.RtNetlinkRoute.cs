using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Overlay.DataPlane.Interop;

internal static partial class Interop
{
    /// <summary>
    /// The next-hop queries of the AF_XDP underlay (rtnetlink, off the packet path): RTM_GETROUTE for one IPv4
    /// destination (the route the kernel would take: output interface and gateway) and an RTM_GETNEIGH dump
    /// (the IPv4 neighbour table: address → link-layer address, with its NUD state).
    /// </summary>
    internal static partial class RtNetlinkRoute
    {
        private const int AF_NETLINK = 16;
        private const int NETLINK_ROUTE = 0;
        private const byte AF_INET = 2;
        private const ushort NLMSG_ERROR = 2;
        private const ushort NLMSG_DONE = 3;
        private const ushort RTM_NEWLINK = 16;
        private const ushort RTM_GETLINK = 18;
        private const ushort RTM_NEWROUTE = 24;
        private const ushort RTM_GETROUTE = 26;
        private const ushort RTM_NEWNEIGH = 28;
        private const ushort RTM_GETNEIGH = 30;
        private const ushort NLM_F_REQUEST = 1;
        private const ushort NLM_F_DUMP = 0x300;
        private const ushort RTA_DST = 1;
        private const ushort RTA_OIF = 4;
        private const ushort RTA_GATEWAY = 5;
        private const ushort IFLA_ADDRESS = 1;
        private const ushort IFLA_MTU = 4;
        private const ushort IFLA_NUM_RX_QUEUES = 32;
        private const ushort NDA_DST = 1;
        private const ushort NDA_LLADDR = 2;

        /// <summary>NUD states whose link-layer address may be used (REACHABLE, STALE, DELAY, PROBE, NOARP, PERMANENT).</summary>
        private const ushort UsableStates = 0x02 | 0x04 | 0x08 | 0x10 | 0x40 | 0x80;

        [LibraryImport(Libraries.LibC, EntryPoint = "recv", SetLastError = true)]
        private static unsafe partial nint RecvRaw(SafeSocketFd fd, byte* buffer, nuint length, int flags);

        public static SafeSocketFd Open(string subject)
        {
            SafeSocketFd fd = LibC.Socket(AF_NETLINK, LinuxSocketConstants.SOCK_RAW, NETLINK_ROUTE, $"rtnetlink {subject}");
            LibC.SetOption(fd, LinuxSocketConstants.SOL_SOCKET, LinuxSocketConstants.SO_RCVTIMEO, new timeval { tv_sec = 1 }, subject);
            return fd;
        }

        /// <summary>
        /// The link <paramref name="ifindex"/> as this thread's network namespace sees it (sysfs may show another
        /// namespace's): its MTU, RX queue count and link-layer address (empty when it has none); 0 or -errno.
        /// </summary>
        public static int GetLink(SafeSocketFd fd, int ifindex, out int mtu, out int rxQueues, out byte[] address)
        {
            mtu = 0;
            rxQueues = 0;
            address = [];
            const int length = 16 + 16;
            Span<byte> request = stackalloc byte[length];
            request.Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(request, length);
            BinaryPrimitives.WriteUInt16LittleEndian(request[4..], RTM_GETLINK);
            BinaryPrimitives.WriteUInt16LittleEndian(request[6..], NLM_F_REQUEST);
            BinaryPrimitives.WriteUInt32LittleEndian(request[8..], 3);
            BinaryPrimitives.WriteInt32LittleEndian(request[20..], ifindex);      // ifinfomsg.ifi_index
            int sent = LibC.Send(fd, request);
            if (sent < 0)
            {
                return sent;
            }

            byte[] reply = new byte[16384];
            int n = Receive(fd, reply);
            if (n < 0)
            {
                return n;
            }

            if (n < 16)
            {
                return -LinuxSocketConstants.EPROTO;
            }

            ReadOnlySpan<byte> message = reply.AsSpan(0, n);
            ushort type = BinaryPrimitives.ReadUInt16LittleEndian(message[4..]);
            if (type == NLMSG_ERROR)
            {
                int error = n >= 20 ? BinaryPrimitives.ReadInt32LittleEndian(message[16..]) : -LinuxSocketConstants.EPROTO;
                return error < 0 ? error : -LinuxSocketConstants.EPROTO;
            }

            if (type != RTM_NEWLINK || n < 32)
            {
                return -LinuxSocketConstants.EPROTO;
            }

            int total = Math.Min(n, (int)BinaryPrimitives.ReadUInt32LittleEndian(message));
            foreach ((ushort kind, int offset, int size) in Attributes(message[..total], 32))
            {
                if (kind == IFLA_MTU && size >= 4)
                {
                    mtu = BinaryPrimitives.ReadInt32LittleEndian(message[offset..]);
                }
                else if (kind == IFLA_NUM_RX_QUEUES && size >= 4)
                {
                    rxQueues = BinaryPrimitives.ReadInt32LittleEndian(message[offset..]);
                }
                else if (kind == IFLA_ADDRESS)
                {
                    address = message.Slice(offset, size).ToArray();
                }
            }

            return 0;
        }

        /// <summary>
        /// The route to <paramref name="destinationNetworkOrder"/>: its output interface and gateway (0 when the
        /// destination is on the link); -errno (e.g. -ENETUNREACH) when the kernel has none.
        /// </summary>
        public static int GetRoute(SafeSocketFd fd, uint destinationNetworkOrder, out int outputInterface, out uint gatewayNetworkOrder)
        {
            outputInterface = 0;
            gatewayNetworkOrder = 0;
            const int length = 16 + 12 + 8;
            Span<byte> request = stackalloc byte[length];
            request.Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(request, length);
            BinaryPrimitives.WriteUInt16LittleEndian(request[4..], RTM_GETROUTE);
            BinaryPrimitives.WriteUInt16LittleEndian(request[6..], NLM_F_REQUEST);
            BinaryPrimitives.WriteUInt32LittleEndian(request[8..], 1);
            request[16] = AF_INET;                                                // rtmsg.rtm_family
            request[17] = 32;                                                     // rtm_dst_len
            BinaryPrimitives.WriteUInt16LittleEndian(request[28..], 8);           // RTA_DST
            BinaryPrimitives.WriteUInt16LittleEndian(request[30..], RTA_DST);
            MemoryMarshal.Write(request[32..], in destinationNetworkOrder);
            int sent = LibC.Send(fd, request);
            if (sent < 0)
            {
                return sent;
            }

            byte[] reply = new byte[4096];
            int n = Receive(fd, reply);
            if (n < 0)
            {
                return n;
            }

            ReadOnlySpan<byte> message = reply.AsSpan(0, n);
            if (n < 16)
            {
                return -LinuxSocketConstants.EPROTO;
            }

            ushort type = BinaryPrimitives.ReadUInt16LittleEndian(message[4..]);
            if (type == NLMSG_ERROR)
            {
                int error = n >= 20 ? BinaryPrimitives.ReadInt32LittleEndian(message[16..]) : -LinuxSocketConstants.EPROTO;
                return error < 0 ? error : -LinuxSocketConstants.EPROTO;
            }

            if (type != RTM_NEWROUTE || n < 28)
            {
                return -LinuxSocketConstants.EPROTO;
            }

            int total = Math.Min(n, (int)BinaryPrimitives.ReadUInt32LittleEndian(message));
            foreach ((ushort kind, int offset, int size) in Attributes(message[..total], 28))
            {
                if (kind == RTA_OIF && size >= 4)
                {
                    outputInterface = BinaryPrimitives.ReadInt32LittleEndian(message[offset..]);
                }
                else if (kind == RTA_GATEWAY && size >= 4)
                {
                    gatewayNetworkOrder = MemoryMarshal.Read<uint>(message[offset..]);
                }
            }

            return 0;
        }

        /// <summary>
        /// The usable IPv4 neighbours of <paramref name="ifindex"/> with an Ethernet address, into
        /// <paramref name="into"/> (address in network order → MAC); 0 or -errno.
        /// </summary>
        public static int GetNeighbours(SafeSocketFd fd, int ifindex, Dictionary<uint, byte[]> into)
        {
            const int length = 16 + 12;
            Span<byte> request = stackalloc byte[length];
            request.Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(request, length);
            BinaryPrimitives.WriteUInt16LittleEndian(request[4..], RTM_GETNEIGH);
            BinaryPrimitives.WriteUInt16LittleEndian(request[6..], NLM_F_REQUEST | NLM_F_DUMP);
            BinaryPrimitives.WriteUInt32LittleEndian(request[8..], 2);
            request[16] = AF_INET;                                                // ndmsg.ndm_family
            int sent = LibC.Send(fd, request);
            if (sent < 0)
            {
                return sent;
            }

            byte[] buffer = new byte[32768];
            while (true)
            {
                int n = Receive(fd, buffer);
                if (n < 0)
                {
                    return n;
                }

                for (int at = 0; at + 16 <= n;)
                {
                    ReadOnlySpan<byte> message = buffer.AsSpan(at, n - at);
                    int messageLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(message);
                    ushort type = BinaryPrimitives.ReadUInt16LittleEndian(message[4..]);
                    if (messageLength < 16 || messageLength > message.Length)
                    {
                        return -LinuxSocketConstants.EPROTO;
                    }

                    if (type == NLMSG_DONE)
                    {
                        return 0;
                    }

                    if (type == NLMSG_ERROR)
                    {
                        int error = messageLength >= 20 ? BinaryPrimitives.ReadInt32LittleEndian(message[16..]) : -LinuxSocketConstants.EPROTO;
                        return error < 0 ? error : -LinuxSocketConstants.EPROTO;
                    }

                    if (type == RTM_NEWNEIGH && messageLength >= 28)
                    {
                        AddNeighbour(message[..messageLength], ifindex, into);
                    }

                    at += (messageLength + 3) & ~3;
                }
            }
        }

        private static void AddNeighbour(ReadOnlySpan<byte> message, int ifindex, Dictionary<uint, byte[]> into)
        {
            int index = BinaryPrimitives.ReadInt32LittleEndian(message[20..]);
            ushort state = BinaryPrimitives.ReadUInt16LittleEndian(message[24..]);
            if (message[16] != AF_INET || index != ifindex || (state & UsableStates) == 0)
            {
                return;
            }

            uint? address = null;
            byte[]? mac = null;
            foreach ((ushort kind, int offset, int size) in Attributes(message, 28))
            {
                if (kind == NDA_DST && size == 4)
                {
                    address = MemoryMarshal.Read<uint>(message[offset..]);
                }
                else if (kind == NDA_LLADDR && size == 6)
                {
                    mac = message.Slice(offset, 6).ToArray();
                }
            }

            if (address is { } a && mac is not null)
            {
                into[a] = mac;
            }
        }

        /// <summary>The route attributes (type, value offset, value size) of a message from <paramref name="start"/>.</summary>
        private static List<(ushort Type, int Offset, int Size)> Attributes(ReadOnlySpan<byte> message, int start)
        {
            var result = new List<(ushort, int, int)>();
            for (int at = start; at + 4 <= message.Length;)
            {
                ushort attributeLength = BinaryPrimitives.ReadUInt16LittleEndian(message[at..]);
                ushort type = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(message[(at + 2)..]) & 0x3fff);
                if (attributeLength < 4 || at + attributeLength > message.Length)
                {
                    break;
                }

                result.Add((type, at + 4, attributeLength - 4));
                at += (attributeLength + 3) & ~3;
            }

            return result;
        }

        private static unsafe int Receive(SafeSocketFd fd, byte[] buffer)
        {
            fixed (byte* p = buffer)
            {
                nint n = RecvRaw(fd, p, (nuint)buffer.Length, 0);
                return n < 0 ? -Marshal.GetLastPInvokeError() : (int)n;
            }
        }
    }
}
