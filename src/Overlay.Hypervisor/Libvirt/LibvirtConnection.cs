using Overlay.Hypervisor.Interop;
using Native = Overlay.Hypervisor.Interop.Interop.Libvirt;

namespace Overlay.Hypervisor.Libvirt;

/// <summary>
/// A connection to a libvirt driver (qemu:///system for the daemon, test:///default in unit tests), with
/// lifecycle events for every domain and a close notification. Events arrive on the libvirt event-loop thread;
/// handlers must be quick and must not throw (a throwing handler is counted in <see cref="CallbackFailures"/>).
/// </summary>
public sealed partial class LibvirtConnection : IDisposable
{
    public const string SystemUri = "qemu:///system";
    public const string TestUri = "test:///default";

    private readonly SafeVirConnectHandle _handle;
    private int _disposed;

    private LibvirtConnection(SafeVirConnectHandle handle, string uri)
    {
        _handle = handle;
        RequestedUri = uri;
    }

    /// <summary>Raised on the event-loop thread for every domain lifecycle change the driver reports.</summary>
    public event Action<DomainLifecycleEvent>? DomainLifecycle;

    /// <summary>Raised on the event-loop thread when libvirt closed the connection (daemon gone, keepalive lost).</summary>
    public event Action<ConnectionCloseReason>? Closed;

    public string RequestedUri { get; }

    /// <summary>The URI libvirt resolved (e.g. qemu:///system when null was asked for).</summary>
    public string Uri => Native.Uri(_handle);

    /// <summary>libvirt's version as major * 1,000,000 + minor * 1,000 + release (9.0.0 = 9000000).</summary>
    public ulong LibraryVersion => Native.LibVersion(_handle);

    public bool IsAlive => !IsDisposed && Native.IsAlive(_handle);

    /// <summary>False when the driver has no keepalive (local drivers); true when probes are running.</summary>
    public bool KeepAliveEnabled { get; private set; }

    /// <summary>False when the driver never reports a close on its own (local drivers).</summary>
    public bool CloseNotificationEnabled { get; private set; }

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>
    /// Opens <paramref name="uri"/>, registers for lifecycle events and close notification and, where the driver has
    /// it, starts keepalive (<paramref name="keepAliveIntervalSeconds"/> apart, <paramref name="keepAliveCount"/> lost
    /// probes close the connection). Starts the process-wide event loop first if it is not running.
    /// </summary>
    public static LibvirtConnection Open(string uri = SystemUri, int keepAliveIntervalSeconds = 5, uint keepAliveCount = 3)
    {
        LibvirtEventLoop.EnsureRunning();
        var handle = Native.Open(uri);
        var connection = new LibvirtConnection(handle, uri);
        try
        {
            connection.RegisterCallbacks();
            connection.KeepAliveEnabled = Native.SetKeepAlive(handle, keepAliveIntervalSeconds, keepAliveCount);
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        return connection;
    }

    /// <summary>Defines (or redefines) a persistent domain from XML; libvirt validates it and says what is wrong.</summary>
    public LibvirtDomain Define(string domainXml) => new(Native.DefineXml(_handle, domainXml));

    /// <summary>The domain named <paramref name="name"/>, or null when there is none.</summary>
    public LibvirtDomain? Find(string name)
    {
        try
        {
            return new LibvirtDomain(Native.LookupByName(_handle, name));
        }
        catch (LibvirtException e) when (e.IsNoDomain)
        {
            return null;
        }
    }

    /// <summary>Every domain, active and inactive; the caller disposes them.</summary>
    public IReadOnlyList<LibvirtDomain> ListAll() => Native.ListAll(_handle, 0).Select(h => new LibvirtDomain(h)).ToList();

    /// <summary>Names and states of every domain, without handing out handles.</summary>
    public IReadOnlyList<(string Name, DomainState State)> ListStates()
    {
        var domains = ListAll();
        try
        {
            return domains.Select(d => (d.Name, d.State)).ToList();
        }
        finally
        {
            foreach (var d in domains)
            {
                d.Dispose();
            }
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        UnregisterCallbacks();
        _handle.Dispose();
    }

    public override string ToString() => _handle.ToString();
}
