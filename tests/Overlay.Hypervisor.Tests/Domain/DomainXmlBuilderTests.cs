using System.Xml.Linq;
using Overlay.Hypervisor.Domain;
using Overlay.Hypervisor.Guests;

namespace Overlay.Hypervisor.Tests.Domain;

public sealed class DomainXmlBuilderTests
{
    private static readonly GuestSpec Gateway = new(
        "bridge-gw",
        [new GuestNic("red-net", "tvd0a1b2c3dn0", "52:54:00:aa:bb:01"), new GuestNic("blue-net", "tvd0a1b2c3dn1", "52:54:00:aa:bb:02")],
        [new GuestVolume("hr-records", "/var/lib/tvd/hr.raw", ReadOnly: true)],
        Image: "/var/lib/tvd/gw.qcow2",
        VCpus: 2,
        MemoryMiB: 512);

    private static XElement Build(GuestSpec guest, DomainVirtType type = DomainVirtType.Qemu, string? consoleDir = null) =>
        XElement.Parse(new DomainXmlBuilder(type, consoleDir).Build(guest));

    [Fact]
    public void Tcg_host_gets_a_qemu_domain_with_name_memory_and_vcpus()
    {
        var d = Build(Gateway);

        Assert.Equal("qemu", (string?)d.Attribute("type"));
        Assert.Equal("bridge-gw", (string?)d.Element("name"));
        Assert.Equal("512", (string?)d.Element("memory"));
        Assert.Equal("MiB", (string?)d.Element("memory")!.Attribute("unit"));
        Assert.Equal("2", (string?)d.Element("vcpu"));
        Assert.Null(d.Element("cpu"));
    }

    [Fact]
    public void Uuid_is_stable_per_name_and_an_rfc_9562_version_8()
    {
        var uuid = (string?)Build(Gateway).Element("uuid");

        Assert.Equal(DomainXmlBuilder.UuidFor("bridge-gw").ToString(), uuid);
        Assert.Equal(uuid, (string?)Build(Gateway with { MemoryMiB = 1024 }).Element("uuid"));
        Assert.NotEqual(uuid, (string?)Build(Gateway with { Name = "other" }).Element("uuid"));
        Assert.Equal('8', uuid![14]);
        Assert.Contains(uuid[19], "89ab");
    }

    [Fact]
    public void Kvm_host_gets_a_kvm_domain_with_host_cpu()
    {
        var d = Build(Gateway, DomainVirtType.Kvm);

        Assert.Equal("kvm", (string?)d.Attribute("type"));
        Assert.Equal("host-passthrough", (string?)d.Element("cpu")!.Attribute("mode"));
    }

    [Fact]
    public void Every_vnic_is_an_unmanaged_ethernet_interface_on_its_tap()
    {
        var interfaces = Build(Gateway).Element("devices")!.Elements("interface").ToList();

        Assert.Equal(2, interfaces.Count);
        for (var i = 0; i < 2; i++)
        {
            var nic = interfaces[i];
            Assert.Equal("ethernet", (string?)nic.Attribute("type"));
            Assert.Equal(Gateway.Nics[i].PortName, (string?)nic.Element("target")!.Attribute("dev"));
            Assert.Equal("no", (string?)nic.Element("target")!.Attribute("managed"));
            Assert.Equal(Gateway.Nics[i].MacAddress, (string?)nic.Element("mac")!.Attribute("address"));
            Assert.Equal("virtio", (string?)nic.Element("model")!.Attribute("type"));
            Assert.Null(nic.Element("source")); // no bridge, no network: libvirt never switches guest traffic
        }
    }

    [Fact]
    public void Image_is_vda_and_volumes_follow_with_their_format_and_readonly_flag()
    {
        var disks = Build(Gateway).Element("devices")!.Elements("disk").ToList();

        Assert.Equal(["vda", "vdb"], disks.Select(d => (string?)d.Element("target")!.Attribute("dev")));
        Assert.Equal("qcow2", (string?)disks[0].Element("driver")!.Attribute("type"));
        Assert.Equal("raw", (string?)disks[1].Element("driver")!.Attribute("type"));
        Assert.Equal("/var/lib/tvd/hr.raw", (string?)disks[1].Element("source")!.Attribute("file"));
        Assert.Null(disks[0].Element("readonly"));
        Assert.NotNull(disks[1].Element("readonly"));
        Assert.Equal("hd", (string?)Build(Gateway).Element("os")!.Element("boot")!.Attribute("dev"));
    }

    [Fact]
    public void Direct_kernel_boot_carries_kernel_initrd_and_command_line()
    {
        var guest = GuestSpec.Create("lab1", ["red-net"], kernel: "/boot/vmlinuz", initrd: "/boot/initrd.img", kernelCommandLine: "console=ttyS0 quiet panic=-1");

        var os = Build(guest, consoleDir: "/var/log/tvd").Element("os")!;

        Assert.Equal("/boot/vmlinuz", (string?)os.Element("kernel"));
        Assert.Equal("/boot/initrd.img", (string?)os.Element("initrd"));
        Assert.Equal("console=ttyS0 quiet panic=-1", (string?)os.Element("cmdline"));
        Assert.Null(os.Element("boot"));
        Assert.Empty(Build(guest).Element("devices")!.Elements("disk"));
    }

    [Fact]
    public void Console_goes_to_a_file_when_a_log_directory_is_set()
    {
        var serial = Build(Gateway, consoleDir: "/var/log/tvd").Element("devices")!.Element("serial")!;

        Assert.Equal("file", (string?)serial.Attribute("type"));
        Assert.Equal("/var/log/tvd/bridge-gw.console.log", (string?)serial.Element("source")!.Attribute("path"));
        Assert.Equal("pty", (string?)Build(Gateway).Element("devices")!.Element("serial")!.Attribute("type"));
    }

    [Fact]
    public void Markup_in_values_is_escaped_and_cannot_add_elements()
    {
        var hostile = GuestSpec.Create("x", ["red-net"], kernel: "/boot/k'</kernel><devices/>&", kernelCommandLine: "a<b & c>\"d'");

        var text = new DomainXmlBuilder(DomainVirtType.Qemu).Build(hostile);
        var d = XElement.Parse(text);

        Assert.Equal("/boot/k'</kernel><devices/>&", (string?)d.Element("os")!.Element("kernel"));
        Assert.Equal("a<b & c>\"d'", (string?)d.Element("os")!.Element("cmdline"));
        Assert.Single(d.Elements("devices"));
        Assert.Contains("&lt;/kernel&gt;&lt;devices/&gt;&amp;", text);
    }

    [Fact]
    public void Disk_targets_run_out_after_vdz()
    {
        Assert.Equal("vda", DomainXmlBuilder.DiskTarget(0));
        Assert.Equal("vdz", DomainXmlBuilder.DiskTarget(25));
        Assert.Throws<ArgumentOutOfRangeException>(() => DomainXmlBuilder.DiskTarget(26));
    }
}
