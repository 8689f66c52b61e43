using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Overlay.DataPlane.Interop;

namespace Overlay.DataPlane.Tests.Interop;

/// <summary>Sizes and offsets against the C headers on x86_64/aarch64 (CONVENTIONS 18).</summary>
public sealed class LinuxSocketStructsTests
{
    [Fact]
    public void Sizes_match_the_kernel_headers()
    {
        Assert.Equal(16, Unsafe.SizeOf<sockaddr_in>());
        Assert.Equal(28, Unsafe.SizeOf<sockaddr_in6>());
        Assert.True(Unsafe.SizeOf<sockaddr_in6>() <= LinuxSocketStructSizes.MaxAddressSize);
        Assert.Equal(20, Unsafe.SizeOf<sockaddr_ll>());
        Assert.Equal(16, Unsafe.SizeOf<packet_mreq>());
        Assert.Equal(16, Unsafe.SizeOf<timeval>());
        Assert.Equal(16, Unsafe.SizeOf<iovec>());
        Assert.Equal(8, Unsafe.SizeOf<tpacket_stats>());
        Assert.Equal(16, Unsafe.SizeOf<cmsghdr>());
        Assert.Equal(36, Unsafe.SizeOf<sk_meminfo>());
        Assert.Equal(56, Unsafe.SizeOf<msghdr>());
        Assert.Equal(64, Unsafe.SizeOf<mmsghdr>());
    }

    [Fact]
    public void Offsets_match_the_kernel_headers()
    {
        Assert.Equal(4, (int)Marshal.OffsetOf<sockaddr_ll>(nameof(sockaddr_ll.sll_ifindex)));
        Assert.Equal(12, (int)Marshal.OffsetOf<sockaddr_ll>(nameof(sockaddr_ll.sll_addr)));
        Assert.Equal(16, (int)Marshal.OffsetOf<msghdr>(nameof(msghdr.msg_iov)));
        Assert.Equal(48, (int)Marshal.OffsetOf<msghdr>(nameof(msghdr.msg_flags)));
        Assert.Equal(56, (int)Marshal.OffsetOf<mmsghdr>(nameof(mmsghdr.msg_len)));
        Assert.Equal(4, (int)Marshal.OffsetOf<sockaddr_in>(nameof(sockaddr_in.sin_addr)));
        Assert.Equal(8, (int)Marshal.OffsetOf<sockaddr_in6>(nameof(sockaddr_in6.sin6_addr_low)));
        Assert.Equal(24, (int)Marshal.OffsetOf<sockaddr_in6>(nameof(sockaddr_in6.sin6_scope_id)));
    }
}
