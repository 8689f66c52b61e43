using System.Text;
using Overlay.Hypervisor.Guests;

namespace Overlay.Hypervisor.Backends;

/// <summary>
/// Lab guests: a guest is the network namespace <c>&lt;prefix&gt;&lt;guest&gt;</c>, and each vNIC a veth pair whose host
/// end (the guest's port, named as a TAP would be) stays in the daemon's namespace and whose other end is
/// <c>eth&lt;i&gt;</c> inside the guest, with the vNIC's MAC and optional address. Used where no VM can run (the
/// lab, <c>make demo</c>); the same ports reach the data plane as a VM's TAPs would. Start and stop are made with
/// <see cref="IpCommand"/>; "running" means the namespace exists in /run/netns, so an operator's
/// <c>ip netns add</c> is found by <see cref="GuestManager.Reconcile"/> (namespaces have no lifecycle events).
/// </summary>
public sealed class NetnsGuestBackend : IGuestBackend
{
    public const string NetnsDirectory = "/run/netns";

    private readonly IpCommand _ip;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, GuestSpec> _specs = new(StringComparer.Ordinal);

    public NetnsGuestBackend(string prefix, IpCommand? ip = null)
    {
        if (string.IsNullOrEmpty(prefix) || prefix.Contains('/') || prefix.Contains(' '))
        {
            throw new ArgumentException($"namespace prefix '{prefix}' must be non-empty, without '/' or spaces", nameof(prefix));
        }

        Prefix = prefix;
        _ip = ip ?? new IpCommand();
    }

    /// <summary>Namespaces have no event source; <see cref="GuestManager.Reconcile"/> polls instead.</summary>
    public event Action<GuestLifecycleEvent>? LifecycleChanged
    {
        add { }
        remove { }
    }

    public string Prefix { get; }

    public string Kind => "netns";

    public string NamespaceOf(string guest) => Prefix + guest;

    /// <summary>A line per fact the namespace is built from: what gets measured for a netns guest.</summary>
    public byte[] Definition(GuestSpec guest)
    {
        var text = new StringBuilder($"netns {NamespaceOf(guest.Name)}\n");
        for (var i = 0; i < guest.Nics.Count; i++)
        {
            var nic = guest.Nics[i];
            text.Append($"nic eth{i} network={nic.Network} port={nic.PortName} mac={nic.MacAddress} address={nic.Address ?? "-"}\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    public void Define(GuestSpec guest)
    {
        lock (_gate)
        {
            _specs[guest.Name] = guest;
        }
    }

    public void Undefine(string guest)
    {
        lock (_gate)
        {
            _specs.Remove(guest);
        }
    }

    /// <summary>Creates the namespace and its veths; on any failure removes what it made and rethrows.</summary>
    public void Start(GuestSpec guest)
    {
        var ns = NamespaceOf(guest.Name);
        if (IsRunning(guest.Name))
        {
            throw new GuestBackendException($"namespace {ns} already exists");
        }

        _ip.Run("netns", "add", ns);
        try
        {
            _ip.Run("-n", ns, "link", "set", "lo", "up");
            for (var i = 0; i < guest.Nics.Count; i++)
            {
                AddNic(ns, guest.Nics[i], i);
            }
        }
        catch
        {
            Remove(guest.Name, guest.Nics);
            throw;
        }
    }

    public void Stop(string guest)
    {
        GuestSpec? spec;
        lock (_gate)
        {
            _specs.TryGetValue(guest, out spec);
        }

        Remove(guest, spec?.Nics ?? []);
    }

    public void AttachNic(GuestSpec guest, GuestNic nic)
    {
        var index = IndexOf(guest, nic);
        AddNic(NamespaceOf(guest.Name), nic, index);
        Define(guest);
    }

    public void AttachVolume(GuestSpec guest, GuestVolume volume) =>
        throw new GuestBackendException($"netns guest {guest.Name} has no block devices; volume {volume.Name} cannot be attached");

    public IReadOnlyCollection<string> ListRunning()
    {
        if (!Directory.Exists(NetnsDirectory))
        {
            return [];
        }

        return Directory.EnumerateFiles(NetnsDirectory)
            .Select(Path.GetFileName)
            .Where(n => n is not null && n.StartsWith(Prefix, StringComparison.Ordinal) && n.Length > Prefix.Length)
            .Select(n => n![Prefix.Length..])
            .ToList();
    }

    public bool IsRunning(string guest) => File.Exists(Path.Combine(NetnsDirectory, NamespaceOf(guest)));

    private void AddNic(string ns, GuestNic nic, int index)
    {
        var inside = $"eth{index}";
        _ip.Run("link", "add", nic.PortName, "type", "veth", "peer", "name", inside, "address", nic.MacAddress, "netns", ns);
        _ip.Run("link", "set", nic.PortName, "up");
        _ip.Run("-n", ns, "link", "set", inside, "up");
        if (nic.Address is not null)
        {
            _ip.Run("-n", ns, "addr", "add", nic.Address, "dev", inside);
        }
    }

    /// <summary>Deletes the host ends first (a namespace is freed lazily, and its veths with it), then the namespace.</summary>
    private void Remove(string guest, IReadOnlyList<GuestNic> nics)
    {
        foreach (var nic in nics)
        {
            if (Directory.Exists(Path.Combine("/sys/class/net", nic.PortName)))
            {
                _ip.Run("link", "del", nic.PortName);
            }
        }

        if (IsRunning(guest))
        {
            _ip.Run("netns", "del", NamespaceOf(guest));
        }
    }

    private static int IndexOf(GuestSpec guest, GuestNic nic)
    {
        for (var i = 0; i < guest.Nics.Count; i++)
        {
            if (ReferenceEquals(guest.Nics[i], nic) || guest.Nics[i] == nic)
            {
                return i;
            }
        }

        throw new GuestBackendException($"vNIC {nic.PortName} is not in guest {guest.Name}'s definition");
    }
}
