using System.Security.Cryptography;
using System.Text;

namespace Overlay.Hypervisor.Guests;

/// <summary>
/// Host-side names for guest ports. Linux limits interface names to 15 bytes (IFNAMSIZ 16), far shorter than guest
/// names, so a port is <c>tvd</c> + 8 hex digits of SHA-256(guest) + <c>n</c> + the NIC index: stable across restarts,
/// distinct per guest, and never starting with <c>vnet</c>, the prefix libvirt reserves and renames.
/// </summary>
public static class PortNames
{
    public const string Prefix = "tvd";

    /// <summary>Linux's IFNAMSIZ less the terminating NUL.</summary>
    public const int MaxInterfaceNameLength = 15;

    public static string For(string guest, int nicIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nicIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nicIndex, 99);
        return $"{Prefix}{Convert.ToHexStringLower(Hash(guest), 0, 4)}n{nicIndex}";
    }

    /// <summary>A locally administered unicast MAC in QEMU's 52:54:00 range, derived like the port name.</summary>
    public static string MacFor(string guest, int nicIndex)
    {
        var h = Hash($"{guest}/{nicIndex}");
        return $"52:54:00:{h[0]:x2}:{h[1]:x2}:{h[2]:x2}";
    }

    /// <summary>True for a name the kernel accepts as an interface name.</summary>
    public static bool IsValidInterfaceName(string name) =>
        name.Length is > 0 and <= MaxInterfaceNameLength
        && name != "." && name != ".."
        && name.All(c => c > ' ' && c < 0x7f && c != '/' && c != ':');

    private static byte[] Hash(string text) => SHA256.HashData(Encoding.UTF8.GetBytes(text));
}
