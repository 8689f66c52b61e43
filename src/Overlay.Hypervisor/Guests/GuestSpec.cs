namespace Overlay.Hypervisor.Guests;

/// <summary>
/// A guest as the daemon's config describes it. The policy says what the guest may do (its STE and Chinese Wall
/// types, the networks it may join); this says what it is made of. One <see cref="GuestNic"/> per TVD network.
/// </summary>
/// <param name="Name">The guest's name in the policy; also the libvirt domain name or the netns suffix.</param>
/// <param name="Nics">One vNIC per TVD network, in guest order (the first is eth0 / the first virtio NIC).</param>
/// <param name="Volumes">Storage volumes (policy resources) attached as extra disks.</param>
/// <param name="Image">Boot disk image, or null for a diskless guest (kernel + initrd only, or a netns guest).</param>
/// <param name="Kernel">Direct-boot kernel, or null to boot from <paramref name="Image"/>.</param>
/// <param name="Initrd">Initial ramdisk for <paramref name="Kernel"/>.</param>
/// <param name="KernelCommandLine">Kernel command line for <paramref name="Kernel"/>.</param>
public sealed record GuestSpec(
    string Name,
    IReadOnlyList<GuestNic> Nics,
    IReadOnlyList<GuestVolume> Volumes,
    string? Image = null,
    string? Kernel = null,
    string? Initrd = null,
    string? KernelCommandLine = null,
    int VCpus = 1,
    int MemoryMiB = 256)
{
    /// <summary>A guest whose vNICs get the derived port names and MAC addresses of <see cref="PortNames"/>.</summary>
    public static GuestSpec Create(
        string name,
        IEnumerable<string> networks,
        IEnumerable<GuestVolume>? volumes = null,
        string? image = null,
        string? kernel = null,
        string? initrd = null,
        string? kernelCommandLine = null,
        int vcpus = 1,
        int memoryMiB = 256)
    {
        var nics = networks.Select((network, i) => GuestNic.Derived(name, network, i)).ToList();
        return new GuestSpec(name, nics, volumes?.ToList() ?? [], image, kernel, initrd, kernelCommandLine, vcpus, memoryMiB);
    }

    /// <summary>Every policy resource this guest binds to: its networks, then its volumes.</summary>
    public IEnumerable<string> Resources => Nics.Select(n => n.Network).Concat(Volumes.Select(v => v.Name));
}

/// <summary>A vNIC on one TVD network.</summary>
/// <param name="Network">The policy's network resource (its TVD is the NIC's TVD).</param>
/// <param name="PortName">The host-side device: a TAP for a VM, the host end of a veth for a netns guest.</param>
/// <param name="MacAddress">The guest-side MAC, <c>52:54:00:xx:xx:xx</c>.</param>
/// <param name="Address">For netns guests only: an address in CIDR form to put on the guest end.</param>
public sealed record GuestNic(string Network, string PortName, string MacAddress, string? Address = null)
{
    public static GuestNic Derived(string guest, string network, int index, string? address = null) =>
        new(network, PortNames.For(guest, index), PortNames.MacFor(guest, index), address);
}

/// <summary>A storage volume resource and the file that backs it.</summary>
public sealed record GuestVolume(string Name, string Path, bool ReadOnly = false);
