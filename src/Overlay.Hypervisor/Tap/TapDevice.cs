using Overlay.Common.Interop.Unix;
using static Overlay.Hypervisor.Interop.Interop;

namespace Overlay.Hypervisor.Tap;

/// <summary>
/// Persistent TAP devices made with the TUN driver's ioctls, the way <c>ip tuntap add … mode tap</c> does: open
/// /dev/net/tun, TUNSETIFF (IFF_TAP | IFF_NO_PI), TUNSETPERSIST 1, close. The daemon makes a guest's TAPs before
/// libvirt starts it, because <c>&lt;target managed='no'/&gt;</c> makes libvirt open an existing TAP instead of making
/// and bridging its own. Needs CAP_NET_ADMIN.
/// </summary>
public static class TapDevice
{
    public const string CloneDevice = "/dev/net/tun";

    public static bool Exists(string name) => Directory.Exists(Path.Combine("/sys/class/net", name));

    /// <summary>
    /// Creates the TAP <paramref name="name"/>, or re-attaches to it if a persistent TAP of that name exists (idempotent,
    /// so a daemon restart finds its TAPs again). Fails with EBUSY while QEMU has the TAP open, and with EINVAL when a
    /// non-TAP interface has that name.
    /// </summary>
    public static void CreatePersistent(string name)
    {
        using var fd = Attach(name);
        LibC.IoctlInt(fd, LibC.TUNSETPERSIST, 1, $"TUNSETPERSIST({name}, 1)");
    }

    /// <summary>
    /// Removes a persistent TAP: attach, clear persistence, close (the kernel frees it on the last close). Does
    /// nothing when there is no interface of that name.
    /// </summary>
    public static void Delete(string name)
    {
        if (!Exists(name))
        {
            return;
        }

        using var fd = Attach(name);
        LibC.IoctlInt(fd, LibC.TUNSETPERSIST, 0, $"TUNSETPERSIST({name}, 0)");
    }

    /// <summary>Sets IFF_UP on the interface (SIOCSIFFLAGS on an AF_INET datagram socket), as <c>ip link set up</c>.</summary>
    public static unsafe void SetUp(string name)
    {
        using var socket = LibC.Socket(LibC.AF_INET, LibC.SOCK_DGRAM);
        var request = LibC.ifreq.ForName(name);
        LibC.Ioctl(socket, LibC.SIOCGIFFLAGS, &request, $"SIOCGIFFLAGS({name})");
        if ((request.ifr_flags & LibC.IFF_UP) != 0)
        {
            return;
        }

        request.ifr_flags |= LibC.IFF_UP;
        LibC.Ioctl(socket, LibC.SIOCSIFFLAGS, &request, $"SIOCSIFFLAGS({name}, up)");
    }

    /// <summary>True when the interface is administratively up.</summary>
    public static unsafe bool IsUp(string name)
    {
        using var socket = LibC.Socket(LibC.AF_INET, LibC.SOCK_DGRAM);
        var request = LibC.ifreq.ForName(name);
        LibC.Ioctl(socket, LibC.SIOCGIFFLAGS, &request, $"SIOCGIFFLAGS({name})");
        return (request.ifr_flags & LibC.IFF_UP) != 0;
    }

    private static unsafe SafeUnixFd Attach(string name)
    {
        var request = LibC.ifreq.ForName(name);
        request.ifr_flags = LibC.IFF_TAP | LibC.IFF_NO_PI;
        var fd = LibC.Open(CloneDevice, LibC.O_RDWR);
        try
        {
            LibC.Ioctl(fd, LibC.TUNSETIFF, &request, $"TUNSETIFF({name}, tap)");
        }
        catch (ErrnoException)
        {
            fd.Dispose();
            throw;
        }

        return fd;
    }
}
