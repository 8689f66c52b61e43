using Overlay.Hypervisor.Domain;
using Overlay.Hypervisor.Tests.Support;

namespace Overlay.Hypervisor.Tests.Domain;

public sealed class AccelerationProbeTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("thv-accel-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private (string DevKvm, string SysModule) Host(bool devKvm, params string[] modules)
    {
        var dev = Path.Combine(_root, "kvm");
        if (devKvm)
        {
            File.WriteAllText(dev, "");
        }

        var sys = Path.Combine(_root, "module");
        foreach (var m in modules)
        {
            Directory.CreateDirectory(Path.Combine(sys, m));
        }

        return (dev, sys);
    }

    [Fact]
    public void Pvm_only_host_uses_tcg_although_dev_kvm_exists()
    {
        var (dev, sys) = Host(devKvm: true, "kvm", "kvm_pvm");

        Assert.Equal(DomainVirtType.Qemu, AccelerationProbe.Probe(dev, sys));
    }

    [Theory]
    [InlineData("kvm_intel")]
    [InlineData("kvm_amd")]
    public void Hardware_kvm_host_uses_kvm(string module)
    {
        var (dev, sys) = Host(devKvm: true, "kvm", module);

        Assert.Equal(DomainVirtType.Kvm, AccelerationProbe.Probe(dev, sys));
    }

    [Fact]
    public void No_dev_kvm_means_tcg()
    {
        var (dev, sys) = Host(devKvm: false, "kvm_intel");

        Assert.Equal(DomainVirtType.Qemu, AccelerationProbe.Probe(dev, sys));
    }

    [Fact]
    public void Config_overrides_the_probe()
    {
        var (dev, sys) = Host(devKvm: true, "kvm_intel");

        Assert.Equal(DomainVirtType.Qemu, AccelerationProbe.Choose(AccelerationMode.Tcg, dev, sys));
        Assert.Equal(DomainVirtType.Kvm, AccelerationProbe.Choose(AccelerationMode.Auto, dev, sys));
    }

    [PvmHostFact]
    public void This_machine_is_pvm_only_and_gets_tcg()
    {
        // ENVIRONMENT.md: CONFIG_KVM_PVM only; a stock kernel hangs under it.
        Assert.Equal(DomainVirtType.Qemu, AccelerationProbe.Probe());
    }
}
