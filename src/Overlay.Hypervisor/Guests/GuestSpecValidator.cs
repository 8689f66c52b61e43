using System.Text.RegularExpressions;

namespace Overlay.Hypervisor.Guests;

/// <summary>
/// Checks a guest description before anything is created from it. The name becomes a libvirt domain name, a
/// namespace name and part of file paths, so it uses the policy's name alphabet (letters, digits, '.', '_', '-',
/// starting with a letter or digit): no '/', no "..", nothing a shell or XML would read differently.
/// </summary>
public static partial class GuestSpecValidator
{
    public const int MaxVCpus = 64;
    public const int MinMemoryMiB = 16;
    public const int MaxMemoryMiB = 1024 * 1024;

    /// <summary>Every problem with <paramref name="guest"/>; empty when it is usable.</summary>
    public static IReadOnlyList<string> Problems(GuestSpec guest)
    {
        ArgumentNullException.ThrowIfNull(guest);
        var problems = new List<string>();
        if (!NamePattern().IsMatch(guest.Name))
        {
            problems.Add($"guest name '{guest.Name}' must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }

        if (guest.VCpus is < 1 or > MaxVCpus)
        {
            problems.Add($"vcpus = {guest.VCpus} is outside 1..{MaxVCpus}");
        }

        if (guest.MemoryMiB is < MinMemoryMiB or > MaxMemoryMiB)
        {
            problems.Add($"memory = {guest.MemoryMiB} MiB is outside {MinMemoryMiB}..{MaxMemoryMiB}");
        }

        if (guest.Initrd is not null && guest.Kernel is null)
        {
            problems.Add("an initrd needs a kernel");
        }

        CheckNics(guest, problems);
        CheckPaths(guest, problems);
        return problems;
    }

    private static void CheckNics(GuestSpec guest, List<string> problems)
    {
        var ports = new HashSet<string>(StringComparer.Ordinal);
        var networks = new HashSet<string>(StringComparer.Ordinal);
        foreach (var nic in guest.Nics)
        {
            if (!PortNames.IsValidInterfaceName(nic.PortName))
            {
                problems.Add($"port name '{nic.PortName}' is not a Linux interface name (1-15 printable characters, no '/' or ':')");
            }
            else if (nic.PortName.StartsWith("vnet", StringComparison.Ordinal))
            {
                problems.Add($"port name '{nic.PortName}' starts with 'vnet', which libvirt reserves for its own TAPs");
            }

            if (!ports.Add(nic.PortName))
            {
                problems.Add($"port name '{nic.PortName}' is used twice");
            }

            if (!networks.Add(nic.Network))
            {
                problems.Add($"network '{nic.Network}' has two vNICs; a guest has one vNIC per TVD network");
            }

            if (!MacPattern().IsMatch(nic.MacAddress))
            {
                problems.Add($"MAC address '{nic.MacAddress}' is not six hex pairs separated by ':'");
            }
        }
    }

    private static void CheckPaths(GuestSpec guest, List<string> problems)
    {
        foreach (var (what, path) in new[] { ("image", guest.Image), ("kernel", guest.Kernel), ("initrd", guest.Initrd) })
        {
            if (path is not null && !Path.IsPathFullyQualified(path))
            {
                problems.Add($"{what} path '{path}' must be absolute");
            }
        }

        foreach (var volume in guest.Volumes)
        {
            if (!Path.IsPathFullyQualified(volume.Path))
            {
                problems.Add($"volume '{volume.Name}' path '{volume.Path}' must be absolute");
            }
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex("^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")]
    private static partial Regex MacPattern();
}
