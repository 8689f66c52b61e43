namespace Overlay.Hypervisor.Interop;

/// <summary>A libvirt call failed; carries libvirt's own error number, error domain and message (virterror.h).</summary>
public sealed class LibvirtException : Exception
{
    public LibvirtException(string operation, int code, int errorDomain, string libvirtMessage)
        : base($"{operation}: {libvirtMessage} (libvirt error {code}, domain {errorDomain})")
    {
        Operation = operation;
        Code = code;
        ErrorDomain = errorDomain;
        LibvirtMessage = libvirtMessage;
    }

    /// <summary>What this code asked libvirt to do, e.g. <c>virDomainCreate(web1)</c>.</summary>
    public string Operation { get; }

    /// <summary>libvirt's virErrorNumber (e.g. 42 = VIR_ERR_NO_DOMAIN).</summary>
    public int Code { get; }

    /// <summary>libvirt's virErrorDomain: which part of libvirt raised it (e.g. 10 = VIR_FROM_DOM).</summary>
    public int ErrorDomain { get; }

    /// <summary>libvirt's message, as virsh would print it.</summary>
    public string LibvirtMessage { get; }

    public bool IsNoDomain => Code == Interop.Libvirt.VIR_ERR_NO_DOMAIN;

    public bool IsUnsupported => Code == Interop.Libvirt.VIR_ERR_NO_SUPPORT;
}
