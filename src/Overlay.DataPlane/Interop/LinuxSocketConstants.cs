namespace Overlay.DataPlane.Interop;

/// <summary>
/// Values from the Linux UAPI headers (x86_64 and aarch64 agree on all of these), named as in C so
/// they can be grepped: socket.h, if_packet.h, if_ether.h, in.h, errno-base.h / errno.h.
/// </summary>
internal static class LinuxSocketConstants
{
    // <sys/socket.h>, <linux/socket.h>
    public const int AF_INET = 2;
    public const int AF_INET6 = 10;
    public const int AF_PACKET = 17;
    public const int SOCK_DGRAM = 2;
    public const int SOCK_RAW = 3;
    public const int SOL_SOCKET = 1;
    public const int SO_REUSEADDR = 2;
    public const int SO_SNDBUF = 7;
    public const int SO_RCVBUF = 8;

    /// <summary>Several sockets of one user bound to one address:port form a group; the kernel picks one per datagram.</summary>
    public const int SO_REUSEPORT = 15;

    /// <summary>A classic BPF socket filter (struct sock_fprog); SO_DETACH_FILTER removes it.</summary>
    public const int SO_ATTACH_FILTER = 26;

    public const int SO_DETACH_FILTER = 27;

    /// <summary>A classic BPF program choosing the socket of a SO_REUSEPORT group (its return value is the index), Linux 4.5+.</summary>
    public const int SO_ATTACH_REUSEPORT_CBPF = 51;

    /// <summary>SO_SNDBUF/SO_RCVBUF past net.core.{w,r}mem_max; needs CAP_NET_ADMIN (the daemon has it).</summary>
    public const int SO_SNDBUFFORCE = 32;

    public const int SO_RCVBUFFORCE = 33;

    /// <summary>u32[SK_MEMINFO_VARS] of the socket's memory state; index <see cref="SK_MEMINFO_DROPS"/> counts drops.</summary>
    public const int SO_MEMINFO = 55;
    public const int SK_MEMINFO_VARS = 9;
    public const int SK_MEMINFO_DROPS = 8;

    /// <summary>SO_RCVTIMEO_OLD (struct timeval with 64-bit fields on 64-bit targets), asm-generic/socket.h.</summary>
    public const int SO_RCVTIMEO = 20;

    // <linux/if_ether.h>: every protocol, in network byte order for socket() and sockaddr_ll.
    public const ushort ETH_P_ALL = 0x0003;

    // <linux/if_packet.h>
    public const int SOL_PACKET = 263;
    public const int PACKET_ADD_MEMBERSHIP = 1;
    public const ushort PACKET_MR_PROMISC = 1;

    /// <summary>Every frame carries a struct virtio_net_hdr first (GSO and checksum offload, both ways).</summary>
    public const int PACKET_VNET_HDR = 15;

    /// <summary>struct tpacket_stats: frames seen and dropped (socket buffer full) since the last read.</summary>
    public const int PACKET_STATISTICS = 6;

    /// <summary>Do not hand our own transmitted frames back to this socket (Linux 4.20+).</summary>
    public const int PACKET_IGNORE_OUTGOING = 23;

    /// <summary>Join a fanout group: id | (type | flags) &lt;&lt; 16; the kernel spreads the interface's frames over the group.</summary>
    public const int PACKET_FANOUT = 18;

    /// <summary>Fanout by the flow hash (skb_get_hash: the 4-tuple): one flow always reaches one socket.</summary>
    public const int PACKET_FANOUT_HASH = 0;

    /// <summary>With id 0: the kernel picks an unused group id (read back with getsockopt PACKET_FANOUT), Linux 4.12+.</summary>
    public const int PACKET_FANOUT_FLAG_UNIQUEID = 0x2000;

    /// <summary>The group's PACKET_IGNORE_OUTGOING (a socket's own option no longer applies once it is in a group), Linux 5.2+.</summary>
    public const int PACKET_FANOUT_FLAG_IGNORE_OUTGOING = 0x4000;

    // <netinet/in.h>
    public const int IPPROTO_IP = 0;
    public const int IPPROTO_UDP = 17;
    public const int IP_MTU_DISCOVER = 10;

    // <netinet/in.h>, <linux/in6.h>
    public const int IPPROTO_IPV6 = 41;
    public const int IPV6_MTU_DISCOVER = 23;

    /// <summary>The socket carries IPv6 only (no IPv4-mapped traffic): the other family has its own socket.</summary>
    public const int IPV6_V6ONLY = 26;

    /// <summary>IPV6_PMTUDISC_DONT: fragment at the source rather than drop a packet above the path MTU.</summary>
    public const int IPV6_PMTUDISC_DONT = 0;

    // <netinet/udp.h>, <linux/udp.h>
    public const int SOL_UDP = 17;

    /// <summary>UDP GSO (Linux 4.18+): one send carries many datagrams of this size (cmsg or socket option).</summary>
    public const int UDP_SEGMENT = 103;

    /// <summary>UDP GRO (Linux 5.0+): one receive may return many datagrams, their size in a cmsg.</summary>
    public const int UDP_GRO = 104;

    /// <summary>Never set DF: the kernel fragments tunnel packets larger than the underlay MTU.</summary>
    public const int IP_PMTUDISC_DONT = 0;

    // recvmmsg/sendmmsg flags
    public const int MSG_TRUNC = 0x20;
    public const int MSG_DONTWAIT = 0x40;
    public const int MSG_WAITFORONE = 0x10000;

    // <asm-generic/errno-base.h>, <asm-generic/errno.h>
    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int ENOBUFS = 105;
    public const int ENETDOWN = 100;
    public const int ENXIO = 6;
    public const int ENODEV = 19;
    public const int EPROTO = 71;
    public const int EMSGSIZE = 90;
    public const int EBUSY = 16;
    public const int EOPNOTSUPP = 95;
    public const int EIO = 5;
    public const int EINVAL = 22;
}
