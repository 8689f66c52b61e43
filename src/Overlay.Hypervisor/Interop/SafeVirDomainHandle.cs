using Microsoft.Win32.SafeHandles;

namespace Overlay.Hypervisor.Interop;

/// <summary>
/// A virDomainPtr. It holds a reference on its connection's SafeHandle (DangerousAddRef) and releases it after
/// virDomainFree, so disposing the connection object never frees the virConnectPtr under a live domain.
/// </summary>
internal sealed class SafeVirDomainHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    private readonly SafeVirConnectHandle? _connection;

    public SafeVirDomainHandle()
        : base(ownsHandle: true)
    {
        Name = "";
    }

    internal SafeVirDomainHandle(IntPtr domain, SafeVirConnectHandle connection)
        : base(ownsHandle: true)
    {
        SetHandle(domain);
        var added = false;
        try
        {
            connection.DangerousAddRef(ref added);
            _connection = connection;
            Name = Interop.Libvirt.Name(domain);
        }
        catch
        {
            Interop.Libvirt.virDomainFree(domain);
            SetHandleAsInvalid();
            if (added)
            {
                connection.DangerousRelease();
            }

            throw;
        }

        HypervisorHandleTracker.Handles.Created(this);
    }

    /// <summary>The domain's name at the time the handle was made (a libvirt domain cannot be renamed while defined).</summary>
    public string Name { get; }

    protected override bool ReleaseHandle()
    {
        var rc = Interop.Libvirt.virDomainFree(handle);
        _connection?.DangerousRelease();
        HypervisorHandleTracker.Handles.Released(this);
        return rc == 0;
    }

    public override string ToString() => $"virDomain#{handle:x}({Name})";
}
