namespace Overlay.Hypervisor.Tests.Support;

/// <summary>A fact about the project's PVM-only machine (kvm_pvm loaded, no kvm_intel/kvm_amd).</summary>
public sealed class PvmHostFactAttribute : FactAttribute
{
    public PvmHostFactAttribute()
    {
        if (!Directory.Exists("/sys/module/kvm_pvm"))
        {
            Skip = "not a PVM-only host";
        }
    }
}
