using System.Runtime.InteropServices;

namespace Overlay.DataPlane.Interop;

#pragma warning disable CS8981, IDE1006 // C names on purpose (CONVENTIONS 18)

/// <summary>bpf(2) commands (enum bpf_cmd, linux/bpf.h).</summary>
internal enum BpfCommand
{
    BPF_MAP_CREATE = 0,
    BPF_MAP_UPDATE_ELEM = 2,
    BPF_MAP_DELETE_ELEM = 3,
    BPF_PROG_LOAD = 5,
    BPF_LINK_CREATE = 28,
}

/// <summary>The BPF_MAP_CREATE part of union bpf_attr (first 20 bytes; the rest stays zero).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct bpf_map_create_attr
{
    public uint map_type;
    public uint key_size;
    public uint value_size;
    public uint max_entries;
    public uint map_flags;
}

/// <summary>The BPF_MAP_*_ELEM part of union bpf_attr: 32 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct bpf_map_elem_attr
{
    public uint map_fd;
    private readonly uint _pad;
    public ulong key;
    public ulong value;
    public ulong flags;
}

/// <summary>The BPF_PROG_LOAD part of union bpf_attr up to expected_attach_type: 72 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct bpf_prog_load_attr
{
    public uint prog_type;
    public uint insn_cnt;
    public ulong insns;
    public ulong license;
    public uint log_level;
    public uint log_size;
    public ulong log_buf;
    public uint kern_version;
    public uint prog_flags;
    public fixed byte prog_name[16];
    public uint prog_ifindex;
    public uint expected_attach_type;
}

/// <summary>The BPF_LINK_CREATE part of union bpf_attr for XDP (target is an ifindex): 16 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct bpf_link_create_attr
{
    public uint prog_fd;
    public uint target_ifindex;
    public uint attach_type;
    public uint flags;
}

/// <summary>Values from linux/bpf.h and linux/if_link.h.</summary>
internal static class BpfConstants
{
    public const uint BPF_MAP_TYPE_XSKMAP = 17;
    public const uint BPF_PROG_TYPE_XDP = 6;

    /// <summary>prog_flags: the XDP program handles multi-buffer frames (jumbo MTU on veth in driver mode, Linux 5.18).</summary>
    public const uint BPF_F_XDP_HAS_FRAGS = 1u << 5;
    public const uint BPF_XDP = 37;

    // XDP_FLAGS_* (linux/if_link.h)
    public const uint XDP_FLAGS_UPDATE_IF_NOEXIST = 1;
    public const uint XDP_FLAGS_SKB_MODE = 2;
    public const uint XDP_FLAGS_DRV_MODE = 4;
}
