namespace Overlay.Hypervisor.Tests.Integration;

/// <summary>
/// A fact that needs a real libvirtd with the QEMU driver: root, the Debian packages and /dev/net/tun. Skipped
/// with the reason otherwise, never failed for it (`make test` installs the packages, so in CI it runs).
/// </summary>
public class QemuSystemFactAttribute : FactAttribute
{
    /// <summary>The files the Debian packages bring, and which package brings each.</summary>
    private static readonly (string Path, string Package)[] Needed =
    [
        ("/usr/sbin/libvirtd", "libvirt-daemon"),
        ("/usr/sbin/virtlogd", "libvirt-daemon"),
        ("/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so", "libvirt-daemon-driver-qemu"),
        ("/usr/bin/virsh", "libvirt-clients"),
        ("/usr/bin/qemu-system-x86_64", "qemu-system-x86"),
        ("/usr/bin/python3", "python3"),
        ("/usr/bin/ping", "iputils-ping"),
    ];

    public QemuSystemFactAttribute()
    {
        Skip = SkipReason();
    }

    internal static string? SkipReason()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return "needs root (libvirtd, TAP devices, namespaces)";
        }

        var missing = Needed.Where(n => !File.Exists(n.Path)).Select(n => n.Package).Distinct().ToList();
        if (missing.Count > 0)
        {
            return $"needs the Debian packages {string.Join(", ", missing)} (scripts/deps.sh installs them)";
        }

        return File.Exists("/dev/net/tun") ? null : "needs /dev/net/tun (CONFIG_TUN)";
    }
}

/// <summary>
/// A fact that kills libvirtd: it runs only when no libvirtd is running except one scripts/libvirtd.sh started
/// (which it then may kill and start again); a libvirtd someone else runs is never touched.
/// </summary>
public sealed class OwnLibvirtdFactAttribute : QemuSystemFactAttribute
{
    public OwnLibvirtdFactAttribute()
    {
        if (Skip is null && LibvirtdScript.ForeignLibvirtdPid() is { } pid)
        {
            Skip = $"libvirtd pid {pid} was not started by scripts/libvirtd.sh; this test kills libvirtd, so not that one";
        }
    }
}

/// <summary>
/// A fact that boots the BOINC client guest: a real libvirtd as for <see cref="QemuSystemFactAttribute"/>, and readelf,
/// with which scripts/guest-image.sh --boinc walks the client's libraries.
/// </summary>
public sealed class BoincGuestFactAttribute : QemuSystemFactAttribute
{
    public BoincGuestFactAttribute()
    {
        if (Skip is null && !File.Exists("/usr/bin/readelf"))
        {
            Skip = "needs the Debian package binutils (readelf; scripts/deps.sh installs it)";
        }
    }
}
