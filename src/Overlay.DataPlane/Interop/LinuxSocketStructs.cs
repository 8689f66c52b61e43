using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Overlay.DataPlane.Interop;

#pragma warning disable CS8981, IDE1006 // C names on purpose (CONVENTIONS 18)

/// <summary><c>struct sockaddr_in</c>, netinet/in.h: 16 bytes; port and address in network byte order.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct sockaddr_in
{
    public ushort sin_family;
    public ushort sin_port;
    public uint sin_addr;
    public fixed byte sin_zero[8];
}

/// <summary><c>struct sockaddr_in6</c>, netinet/in.h: 28 bytes; port, flow info and address in network byte order
/// (the address as two 8-byte halves; 4-byte aligned as in C).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
internal unsafe struct sockaddr_in6
{
    public ushort sin6_family;
    public ushort sin6_port;
    public uint sin6_flowinfo;
    public ulong sin6_addr_low;
    public ulong sin6_addr_high;
    public uint sin6_scope_id;
}

/// <summary><c>struct sockaddr_ll</c>, linux/if_packet.h: 20 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct sockaddr_ll
{
    public ushort sll_family;
    public ushort sll_protocol;
    public int sll_ifindex;
    public ushort sll_hatype;
    public byte sll_pkttype;
    public byte sll_halen;
    public fixed byte sll_addr[8];
}

/// <summary><c>struct packet_mreq</c>, linux/if_packet.h: 16 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct packet_mreq
{
    public int mr_ifindex;
    public ushort mr_type;
    public ushort mr_alen;
    public fixed byte mr_address[8];
}

/// <summary><c>struct timeval</c> with 64-bit fields (SO_RCVTIMEO_OLD on 64-bit targets): 16 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct timeval
{
    public long tv_sec;
    public long tv_usec;
}

/// <summary><c>struct iovec</c>, sys/uio.h: 16 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct iovec
{
    public byte* iov_base;
    public nuint iov_len;
}

/// <summary><c>struct msghdr</c>, sys/socket.h: 56 bytes on 64-bit targets.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct msghdr
{
    public void* msg_name;
    public uint msg_namelen;
    public iovec* msg_iov;
    public nuint msg_iovlen;
    public void* msg_control;
    public nuint msg_controllen;
    public int msg_flags;
}

/// <summary><c>struct mmsghdr</c>, sys/socket.h: 64 bytes; <c>msg_len</c> is what recvmmsg/sendmmsg moved.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct mmsghdr
{
    public msghdr msg_hdr;
    public uint msg_len;
}

/// <summary><c>struct tpacket_stats</c>, linux/if_packet.h: 8 bytes (PACKET_STATISTICS; reading resets it).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct tpacket_stats
{
    public uint tp_packets;
    public uint tp_drops;
}

/// <summary>The u32[SK_MEMINFO_VARS] array of SO_MEMINFO (linux/sock_diag.h): 36 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct sk_meminfo
{
    public fixed uint values[LinuxSocketConstants.SK_MEMINFO_VARS];
}

/// <summary><c>struct cmsghdr</c>, sys/socket.h: 16 bytes on 64-bit targets, data follows (aligned to 8).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct cmsghdr
{
    public nuint cmsg_len;
    public int cmsg_level;
    public int cmsg_type;
}

/// <summary>Sizes the kernel expects, checked by the tests against the C headers' values.</summary>
internal static class LinuxSocketStructSizes
{
    public static int SockaddrIn => Unsafe.SizeOf<sockaddr_in>();

    public static int SockaddrIn6 => Unsafe.SizeOf<sockaddr_in6>();

    public static int SockaddrLl => Unsafe.SizeOf<sockaddr_ll>();

    /// <summary>CMSG_SPACE(4): one control message with an int (or a u16) payload.</summary>
    public const int ControlSpace = 24;

    /// <summary>CMSG_LEN(n) for a payload of n bytes.</summary>
    public static int ControlLength(int payload) => Unsafe.SizeOf<cmsghdr>() + payload;

    /// <summary>Room for any socket address we receive (sockaddr_in6 is the largest: 28).</summary>
    public const int MaxAddressSize = 32;
}
