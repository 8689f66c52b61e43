namespace Overlay.Hypervisor.Domain;

/// <summary>The libvirt domain type: hardware-assisted KVM, or QEMU's TCG emulator.</summary>
public enum DomainVirtType
{
    Qemu,
    Kvm,
}

/// <summary>What the config asks for; <see cref="Auto"/> probes the host.</summary>
public enum AccelerationMode
{
    Auto,
    Kvm,
    Tcg,
}

/// <summary>
/// Chooses KVM only where a stock guest kernel can run under it. /dev/kvm alone is not enough: a PVM host
/// (kvm_pvm without kvm_intel/kvm_amd, as in nested cloud VMs) has /dev/kvm, libvirt reports the domain
/// running, and a stock kernel hangs after decompression. So KVM needs /dev/kvm and a VMX or SVM KVM module.
/// </summary>
public static class AccelerationProbe
{
    public static DomainVirtType Choose(AccelerationMode mode, string devKvm = "/dev/kvm", string sysModule = "/sys/module") =>
        mode switch
        {
            AccelerationMode.Kvm => DomainVirtType.Kvm,
            AccelerationMode.Tcg => DomainVirtType.Qemu,
            _ => Probe(devKvm, sysModule),
        };

    public static DomainVirtType Probe(string devKvm = "/dev/kvm", string sysModule = "/sys/module")
    {
        var hardwareKvm = Directory.Exists(Path.Combine(sysModule, "kvm_intel"))
                          || Directory.Exists(Path.Combine(sysModule, "kvm_amd"));
        return File.Exists(devKvm) && hardwareKvm ? DomainVirtType.Kvm : DomainVirtType.Qemu;
    }
}
