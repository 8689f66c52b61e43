using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using Overlay.Hypervisor.Guests;

namespace Overlay.Hypervisor.Domain;

/// <summary>
/// Writes libvirt domain XML for a guest (https://libvirt.org/formatdomain.html). Every vNIC is
/// <c>&lt;interface type='ethernet'&gt;</c> on a TAP the daemon created (<c>managed='no'</c>): libvirt only hands the
/// TAP to QEMU and never bridges or routes guest traffic, which stays with the data plane. System.Xml.Linq does
/// the escaping, so a name or path with &lt; &amp; ' in it cannot change the document's structure.
/// </summary>
public sealed class DomainXmlBuilder(DomainVirtType virtType, string? consoleLogDirectory = null)
{
    /// <summary>virtio disk targets after the boot disk: vdb, vdc, …</summary>
    private const string DiskLetters = "abcdefghijklmnopqrstuvwxyz";

    public DomainVirtType VirtType { get; } = virtType;

    public string Build(GuestSpec guest) => ToText(BuildElement(guest));

    public XElement BuildElement(GuestSpec guest)
    {
        ArgumentNullException.ThrowIfNull(guest);
        var devices = new XElement("devices");
        var diskIndex = 0;
        if (guest.Image is not null)
        {
            devices.Add(Disk(guest.Image, DiskTarget(diskIndex++), readOnly: false));
        }

        foreach (var volume in guest.Volumes)
        {
            devices.Add(Disk(volume.Path, DiskTarget(diskIndex++), volume.ReadOnly));
        }

        foreach (var nic in guest.Nics)
        {
            devices.Add(Interface(nic));
        }

        devices.Add(Serial(guest.Name));
        devices.Add(new XElement("memballoon", new XAttribute("model", "none")));

        return new XElement(
            "domain",
            new XAttribute("type", VirtType == DomainVirtType.Kvm ? "kvm" : "qemu"),
            new XElement("name", guest.Name),
            new XElement("uuid", UuidFor(guest.Name)),
            new XElement("memory", new XAttribute("unit", "MiB"), Number(guest.MemoryMiB)),
            new XElement("vcpu", Number(guest.VCpus)),
            Os(guest),
            new XElement("features", new XElement("acpi")),
            VirtType == DomainVirtType.Kvm ? new XElement("cpu", new XAttribute("mode", "host-passthrough")) : null,
            new XElement("on_poweroff", "destroy"),
            new XElement("on_reboot", "restart"),
            new XElement("on_crash", "destroy"),
            devices);
    }

    /// <summary>One vNIC, also used alone for hot-plug (virDomainAttachDeviceFlags).</summary>
    public static XElement Interface(GuestNic nic) =>
        new(
            "interface",
            new XAttribute("type", "ethernet"),
            new XElement("mac", new XAttribute("address", nic.MacAddress)),
            new XElement("target", new XAttribute("dev", nic.PortName), new XAttribute("managed", "no")),
            new XElement("model", new XAttribute("type", "virtio")));

    /// <summary>A file-backed virtio disk; <c>.qcow2</c> files are qcow2, everything else raw.</summary>
    public static XElement Disk(string path, string target, bool readOnly) =>
        new(
            "disk",
            new XAttribute("type", "file"),
            new XAttribute("device", "disk"),
            new XElement(
                "driver",
                new XAttribute("name", "qemu"),
                new XAttribute("type", path.EndsWith(".qcow2", StringComparison.OrdinalIgnoreCase) ? "qcow2" : "raw")),
            new XElement("source", new XAttribute("file", path)),
            new XElement("target", new XAttribute("dev", target), new XAttribute("bus", "virtio")),
            readOnly ? new XElement("readonly") : null);

    /// <summary>The virtio disk name for the n-th disk (0 = vda).</summary>
    public static string DiskTarget(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, DiskLetters.Length);
        return "vd" + DiskLetters[index];
    }

    /// <summary>
    /// A UUID derived from the guest name (RFC 9562 version 8 over SHA-256): libvirt refuses to redefine a domain
    /// whose XML has no UUID or another one, and a stable UUID keeps the measured definition the same each start.
    /// </summary>
    public static Guid UuidFor(string guestName)
    {
        Span<byte> hash = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("tvd-overlay/guest/" + guestName), hash);
        hash[6] = (byte)((hash[6] & 0x0f) | 0x80); // version 8
        hash[8] = (byte)((hash[8] & 0x3f) | 0x80); // RFC 9562 variant
        return new Guid(hash[..16], bigEndian: true);
    }

    public static string ToText(XElement element)
    {
        var settings = new XmlWriterSettings { OmitXmlDeclaration = true, Indent = true, IndentChars = "  " };
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        using (var writer = XmlWriter.Create(text, settings))
        {
            element.WriteTo(writer);
        }

        return text.ToString();
    }

    private static XElement Os(GuestSpec guest)
    {
        var os = new XElement(
            "os",
            new XElement("type", new XAttribute("arch", "x86_64"), new XAttribute("machine", "q35"), "hvm"));
        if (guest.Kernel is not null)
        {
            os.Add(new XElement("kernel", guest.Kernel));
            if (guest.Initrd is not null)
            {
                os.Add(new XElement("initrd", guest.Initrd));
            }

            if (guest.KernelCommandLine is not null)
            {
                os.Add(new XElement("cmdline", guest.KernelCommandLine));
            }
        }
        else
        {
            os.Add(new XElement("boot", new XAttribute("dev", "hd")));
        }

        return os;
    }

    /// <summary>The serial console goes to a file when a log directory is configured, else to a pty.</summary>
    private XElement Serial(string guestName) =>
        consoleLogDirectory is null
            ? new XElement("serial", new XAttribute("type", "pty"), new XElement("target", new XAttribute("port", "0")))
            : new XElement(
                "serial",
                new XAttribute("type", "file"),
                new XElement("source", new XAttribute("path", Path.Combine(consoleLogDirectory, guestName + ".console.log"))),
                new XElement("target", new XAttribute("port", "0")));

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
