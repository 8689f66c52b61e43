using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Overlay.DataPlane.Interop;

namespace Overlay.DataPlane.Tests.Interop;

/// <summary>linux/if_xdp.h and the bpf_attr parts of linux/bpf.h (CONVENTIONS 18).</summary>
public sealed class XdpStructsTests
{
    [Fact]
    public void Sizes_match_the_kernel_headers()
    {
        Assert.Equal(16, Unsafe.SizeOf<sockaddr_xdp>());
        Assert.Equal(32, Unsafe.SizeOf<xdp_umem_reg>());
        Assert.Equal(32, Unsafe.SizeOf<xdp_ring_offset>());
        Assert.Equal(128, Unsafe.SizeOf<xdp_mmap_offsets>());
        Assert.Equal(16, Unsafe.SizeOf<xdp_desc>());
        Assert.Equal(48, Unsafe.SizeOf<xdp_statistics>());
        Assert.Equal(8, Unsafe.SizeOf<pollfd>());
        Assert.Equal(20, Unsafe.SizeOf<bpf_map_create_attr>());
        Assert.Equal(32, Unsafe.SizeOf<bpf_map_elem_attr>());
        Assert.Equal(72, Unsafe.SizeOf<bpf_prog_load_attr>());
        Assert.Equal(16, Unsafe.SizeOf<bpf_link_create_attr>());
    }

    [Fact]
    public void Offsets_match_the_kernel_headers()
    {
        Assert.Equal(8, (int)Marshal.OffsetOf<sockaddr_xdp>(nameof(sockaddr_xdp.sxdp_queue_id)));
        Assert.Equal(16, (int)Marshal.OffsetOf<xdp_umem_reg>(nameof(xdp_umem_reg.chunk_size)));
        Assert.Equal(64, (int)Marshal.OffsetOf<xdp_mmap_offsets>(nameof(xdp_mmap_offsets.fr)));
        Assert.Equal(8, (int)Marshal.OffsetOf<xdp_desc>(nameof(xdp_desc.len)));
        Assert.Equal(8, (int)Marshal.OffsetOf<bpf_map_elem_attr>(nameof(bpf_map_elem_attr.key)));
        Assert.Equal(32, (int)Marshal.OffsetOf<bpf_prog_load_attr>(nameof(bpf_prog_load_attr.log_buf)));
        Assert.Equal(48, (int)Marshal.OffsetOf<bpf_prog_load_attr>(nameof(bpf_prog_load_attr.prog_name)));
        Assert.Equal(68, (int)Marshal.OffsetOf<bpf_prog_load_attr>(nameof(bpf_prog_load_attr.expected_attach_type)));
        Assert.Equal(8, (int)Marshal.OffsetOf<bpf_link_create_attr>(nameof(bpf_link_create_attr.attach_type)));
    }
}
