using Overlay.Hypervisor.Interop;
using Native = Overlay.Hypervisor.Interop.Interop.Libvirt;

namespace Overlay.Hypervisor.Libvirt;

/// <summary>One libvirt domain. Owns a domain reference, which keeps its connection open until disposed.</summary>
public sealed class LibvirtDomain : IDisposable
{
    private readonly SafeVirDomainHandle _handle;

    internal LibvirtDomain(SafeVirDomainHandle handle) => _handle = handle;

    public string Name => _handle.Name;

    public DomainState State => (DomainState)Native.State(_handle).State;

    public bool IsActive => State is DomainState.Running or DomainState.Blocked or DomainState.Paused
        or DomainState.Shutdown or DomainState.PMSuspended;

    /// <summary>Starts the defined domain (virsh start).</summary>
    public void Start() => Native.Create(_handle);

    /// <summary>Asks the guest to shut down (ACPI); returns before it has.</summary>
    public void Shutdown() => Native.Shutdown(_handle);

    /// <summary>Stops the domain at once (virsh destroy).</summary>
    public void Destroy() => Native.Destroy(_handle);

    /// <summary>Removes the persistent definition (a running domain keeps running as transient).</summary>
    public void Undefine() => Native.Undefine(_handle);

    /// <summary>The domain XML as libvirt holds it (flags: virDomainXMLFlags, 0 = the live or persistent definition).</summary>
    public string GetXml(uint flags = 0) => Native.XmlDesc(_handle, flags);

    /// <summary>Hot-plugs a device (an &lt;interface&gt; or &lt;disk&gt; element) into the running domain and its definition.</summary>
    public void AttachDevice(string deviceXml, bool live, bool persistent)
    {
        var flags = (live ? Native.VIR_DOMAIN_AFFECT_LIVE : 0) | (persistent ? Native.VIR_DOMAIN_AFFECT_CONFIG : 0);
        Native.AttachDevice(_handle, deviceXml, flags);
    }

    public void Dispose() => _handle.Dispose();

    public override string ToString() => _handle.ToString();
}
