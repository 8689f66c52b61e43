using System.Globalization;
using Overlay.Hypervisor.Guests;

namespace Overlay.Hypervisor.Backends;

/// <summary>
/// libvirt guests for a daemon that runs in another network namespace than libvirtd (a lab host, a container).
/// QEMU opens a <c>managed='no'</c> TAP by name in libvirtd's namespace, so the TAPs are made there
/// (<c>nsenter --net=&lt;ns&gt; ip tuntap add</c>) and, once the domain runs, moved into the daemon's namespace,
/// where the data plane can open them; QEMU keeps its file descriptor and goes on working (ENVIRONMENT.md §2).
/// Removal looks in both namespaces. Wraps a <see cref="LibvirtGuestBackend"/> that does not manage TAPs itself.
/// </summary>
public sealed class NamespacedTapBackend : IGuestBackend, IDisposable
{
    private readonly IGuestBackend _inner;
    private readonly string _tapNamespace;
    private readonly IpCommand _ip;
    private readonly IpCommand _nsenter;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, GuestSpec> _specs = new(StringComparer.Ordinal);

    /// <param name="inner">Created with <c>manageTaps: false</c>.</param>
    /// <param name="tapNamespace">A namespace file of libvirtd's network namespace, e.g. <c>/proc/1/ns/net</c>.</param>
    public NamespacedTapBackend(LibvirtGuestBackend inner, string tapNamespace)
        : this(inner, tapNamespace, new IpCommand(), new IpCommand("nsenter"))
    {
    }

    /// <summary>Any backend that leaves TAPs alone, and the commands to run (tests give recording stand-ins).</summary>
    internal NamespacedTapBackend(IGuestBackend inner, string tapNamespace, IpCommand ip, IpCommand nsenter)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
        _tapNamespace = tapNamespace;
        _ip = ip;
        _nsenter = nsenter;
    }

    public event Action<GuestLifecycleEvent>? LifecycleChanged
    {
        add => _inner.LifecycleChanged += value;
        remove => _inner.LifecycleChanged -= value;
    }

    public string Kind => _inner.Kind;

    public byte[] Definition(GuestSpec guest) => _inner.Definition(guest);

    public void Define(GuestSpec guest)
    {
        _inner.Define(guest);
        Remember(guest);
    }

    public void Undefine(string guest)
    {
        _inner.Undefine(guest);
        lock (_gate)
        {
            _specs.Remove(guest);
        }
    }

    public void Start(GuestSpec guest)
    {
        Remember(guest);
        var made = new List<string>();
        try
        {
            foreach (GuestNic nic in guest.Nics)
            {
                DeleteTap(nic.PortName);
                InLibvirtNamespace("tuntap", "add", "dev", nic.PortName, "mode", "tap");
                made.Add(nic.PortName);
                InLibvirtNamespace("link", "set", nic.PortName, "up");
            }

            _inner.Start(guest);
        }
        catch
        {
            made.ForEach(DeleteTap);
            throw;
        }

        ClaimTaps(guest);
    }

    /// <summary>
    /// Moves the guest's TAPs that are still in libvirtd's namespace into the daemon's, and sets them up: after a
    /// start, and for a guest adopted after an outside start (whoever started it made its TAP there).
    /// </summary>
    public void ClaimTaps(GuestSpec guest)
    {
        foreach (GuestNic nic in guest.Nics)
        {
            if (!ExistsHere(nic.PortName) && ExistsInLibvirtNamespace(nic.PortName))
            {
                InLibvirtNamespace("link", "set", "dev", nic.PortName, "netns", Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            }

            if (ExistsHere(nic.PortName))
            {
                _ip.Run("link", "set", nic.PortName, "up");
            }
        }
    }

    public void Stop(string guest)
    {
        _inner.Stop(guest);
        GuestSpec? spec;
        lock (_gate)
        {
            _specs.TryGetValue(guest, out spec);
        }

        foreach (GuestNic nic in spec?.Nics ?? [])
        {
            DeleteTap(nic.PortName);
        }
    }

    public void AttachNic(GuestSpec guest, GuestNic nic) =>
        throw new GuestBackendException($"guest {guest.Name}: hot-plugging vNIC {nic.PortName} across namespaces is not supported; add the network to [[guest]] networks and restart it");

    public void AttachVolume(GuestSpec guest, GuestVolume volume) => _inner.AttachVolume(guest, volume);

    public IReadOnlyCollection<string> ListRunning() => _inner.ListRunning();

    public bool IsRunning(string guest) => _inner.IsRunning(guest);

    public void Dispose() => (_inner as IDisposable)?.Dispose();

    private void Remember(GuestSpec guest)
    {
        lock (_gate)
        {
            _specs[guest.Name] = guest;
        }
    }

    private void DeleteTap(string name)
    {
        if (ExistsHere(name))
        {
            _ip.Run("link", "del", name);
        }

        if (ExistsInLibvirtNamespace(name))
        {
            InLibvirtNamespace("link", "del", name);
        }
    }

    /// <summary>Asks the kernel, not /sys: a daemon entered with nsenter --net still sees the root namespace's sysfs.</summary>
    private bool ExistsHere(string name)
    {
        try
        {
            _ip.Run("link", "show", "dev", name);
            return true;
        }
        catch (GuestBackendException)
        {
            return false;
        }
    }

    private bool ExistsInLibvirtNamespace(string name)
    {
        try
        {
            InLibvirtNamespace("link", "show", "dev", name);
            return true;
        }
        catch (GuestBackendException)
        {
            return false;
        }
    }

    private void InLibvirtNamespace(params string[] args) => _nsenter.Run(["--net=" + _tapNamespace, "ip", .. args]);
}
