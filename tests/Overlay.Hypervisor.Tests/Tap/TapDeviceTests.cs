using System.Runtime.CompilerServices;
using Overlay.Common.Interop.Unix;
using Overlay.Hypervisor.Interop;
using Overlay.Hypervisor.Tap;
using Overlay.Hypervisor.Tests.Support;

namespace Overlay.Hypervisor.Tests.Tap;

[Collection(LibvirtCollection.Name)]
public sealed class TapDeviceTests
{
    [Fact]
    public unsafe void Ifreq_matches_the_kernel_layout()
    {
        Assert.Equal(40, sizeof(Interop.Interop.LibC.ifreq));
        var r = default(Interop.Interop.LibC.ifreq);
        Assert.Equal(16, (int)((byte*)Unsafe.AsPointer(ref r.ifr_flags) - (byte*)Unsafe.AsPointer(ref r)));
    }

    [Fact]
    public void Names_longer_than_ifnamsiz_are_refused_before_any_syscall()
    {
        Assert.Throws<ArgumentException>(() => TapDevice.CreatePersistent("tvd-much-too-long-name"));
    }

    [RootFact]
    public void Creates_a_persistent_tap_sets_it_up_and_deletes_it()
    {
        var name = $"thv{Environment.ProcessId % 100000}t";
        try
        {
            TapDevice.CreatePersistent(name);
            Assert.True(TapDevice.Exists(name));
            // IFF_TAP | IFF_NO_PI | IFF_PERSIST (linux/if_tun.h), as `ip tuntap add mode tap` leaves it.
            Assert.Equal("0x1802", File.ReadAllText($"/sys/class/net/{name}/tun_flags").Trim());
            Assert.False(TapDevice.IsUp(name));

            TapDevice.SetUp(name);
            Assert.True(TapDevice.IsUp(name));

            TapDevice.CreatePersistent(name); // idempotent: a restarted daemon re-attaches to its TAPs

            TapDevice.Delete(name);
            Assert.False(TapDevice.Exists(name));
            TapDevice.Delete(name); // absent: nothing to do
        }
        finally
        {
            if (TapDevice.Exists(name))
            {
                TapDevice.Delete(name);
            }
        }
    }

    [RootFact]
    public void Creating_a_tap_over_a_non_tap_interface_fails_with_errno()
    {
        var e = Assert.Throws<ErrnoException>(() => TapDevice.CreatePersistent("lo"));

        Assert.Contains("TUNSETIFF(lo, tap)", e.Message);
        Assert.NotEqual(0, e.RawErrno);
    }
}
