using System.Runtime.InteropServices;

namespace Overlay.DataPlane.Interop;

#pragma warning disable CS8981, IDE1006 // C names on purpose (CONVENTIONS 18)

/// <summary><c>struct sockaddr_xdp</c>, linux/if_xdp.h: 16 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct sockaddr_xdp
{
    public ushort sxdp_family;
    public ushort sxdp_flags;
    public uint sxdp_ifindex;
    public uint sxdp_queue_id;
    public uint sxdp_shared_umem_fd;
}

/// <summary><c>struct xdp_umem_reg</c>, linux/if_xdp.h (with flags and tx_metadata_len): 32 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct xdp_umem_reg
{
    public ulong addr;
    public ulong len;
    public uint chunk_size;
    public uint headroom;
    public uint flags;
    public uint tx_metadata_len;
}

/// <summary><c>struct xdp_ring_offset</c>, linux/if_xdp.h: 32 bytes, offsets into a ring's mapping.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct xdp_ring_offset
{
    public ulong producer;
    public ulong consumer;
    public ulong desc;
    public ulong flags;
}

/// <summary><c>struct xdp_mmap_offsets</c>, linux/if_xdp.h: 128 bytes (XDP_MMAP_OFFSETS).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct xdp_mmap_offsets
{
    public xdp_ring_offset rx;
    public xdp_ring_offset tx;
    public xdp_ring_offset fr;
    public xdp_ring_offset cr;
}

/// <summary><c>struct xdp_desc</c>, linux/if_xdp.h: 16 bytes, one RX or TX descriptor.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct xdp_desc
{
    public ulong addr;
    public uint len;
    public uint options;
}

/// <summary><c>struct pollfd</c>, poll.h: 8 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct pollfd
{
    public int fd;
    public short events;
    public short revents;
}

/// <summary><c>struct xdp_statistics</c>, linux/if_xdp.h: 48 bytes (XDP_STATISTICS), cumulative.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct xdp_statistics
{
    public ulong rx_dropped;
    public ulong rx_invalid_descs;
    public ulong tx_invalid_descs;
    public ulong rx_ring_full;
    public ulong rx_fill_ring_empty_descs;
    public ulong tx_ring_empty_descs;
}

/// <summary>Values from linux/if_xdp.h, sys/mman.h and poll.h.</summary>
internal static class LinuxXdpConstants
{
    public const int AF_XDP = 44;
    public const int SOL_XDP = 283;
    public const int XDP_MMAP_OFFSETS = 1;
    public const int XDP_RX_RING = 2;
    public const int XDP_TX_RING = 3;
    public const int XDP_UMEM_REG = 4;
    public const int XDP_UMEM_FILL_RING = 5;
    public const int XDP_UMEM_COMPLETION_RING = 6;
    public const int XDP_STATISTICS = 7;

    // sxdp_flags
    public const ushort XDP_COPY = 1 << 1;
    public const ushort XDP_ZEROCOPY = 1 << 2;
    public const ushort XDP_USE_NEED_WAKEUP = 1 << 3;

    /// <summary>Multi-buffer (scatter-gather): a frame larger than one UMEM chunk spans several descriptors (Linux 6.6).</summary>
    public const ushort XDP_USE_SG = 1 << 4;

    /// <summary>xdp_desc.options: more descriptors of this frame follow (multi-buffer).</summary>
    public const uint XDP_PKT_CONTD = 1 << 0;

    /// <summary>Ring flag: the kernel needs a syscall (poll/sendto) to make progress.</summary>
    public const uint XDP_RING_NEED_WAKEUP = 1 << 0;

    // mmap page offsets of the rings
    public const long XDP_PGOFF_RX_RING = 0;
    public const long XDP_PGOFF_TX_RING = 0x80000000;
    public const long XDP_UMEM_PGOFF_FILL_RING = 0x100000000;
    public const long XDP_UMEM_PGOFF_COMPLETION_RING = 0x180000000;

    public const int PROT_READ = 1;
    public const int PROT_WRITE = 2;
    public const int MAP_SHARED = 0x01;
    public const int MAP_PRIVATE = 0x02;
    public const int MAP_ANONYMOUS = 0x20;
    public const int MAP_POPULATE = 0x8000;

    public const short POLLIN = 0x1;
}
