using System.Text;
using System.Threading.Channels;
using System.Xml.Linq;
using Overlay.Common.Interop.Unix;
using Overlay.Hypervisor.Domain;
using Overlay.Hypervisor.Guests;
using Overlay.Hypervisor.Libvirt;
using Overlay.Hypervisor.Tap;

namespace Overlay.Hypervisor.Backends;

/// <summary>
/// Guests as libvirt domains. The daemon makes each vNIC's TAP before libvirt starts the domain
/// (<c>managed='no'</c>), and removes it after destroy. Lifecycle events leave the libvirt event-loop thread at
/// once through a bounded channel and reach <see cref="LifecycleChanged"/> on a worker task, so a handler may call
/// libvirt (destroy an out-of-band guest) without blocking event dispatch.
/// </summary>
public sealed class LibvirtGuestBackend : IGuestBackend, IDisposable
{
    /// <summary>Pending lifecycle events; on overflow the oldest is dropped and counted (a reconcile repairs it).</summary>
    private const int EventQueueCapacity = 1024;

    private readonly LibvirtSession _session;
    private readonly DomainXmlBuilder _xml;
    private readonly bool _manageTaps;
    private readonly Channel<GuestLifecycleEvent> _events;
    private readonly Task _dispatcher;
    private long _droppedEvents;

    /// <param name="session">An opened session; its lifecycle events are this backend's.</param>
    /// <param name="xml">Writes the domain XML (chooses kvm or qemu).</param>
    /// <param name="manageTaps">Create and delete the TAPs (needs CAP_NET_ADMIN); false when something else owns them.</param>
    public LibvirtGuestBackend(LibvirtSession session, DomainXmlBuilder xml, bool manageTaps = true)
    {
        _session = session ?? throw new ArgumentNullException(nameof(session));
        _xml = xml ?? throw new ArgumentNullException(nameof(xml));
        _manageTaps = manageTaps;
        _events = Channel.CreateBounded<GuestLifecycleEvent>(new BoundedChannelOptions(EventQueueCapacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        }, _ => Interlocked.Increment(ref _droppedEvents));
        _session.DomainLifecycle += OnDomainEvent;
        _dispatcher = Task.Run(DispatchAsync);
    }

    public event Action<GuestLifecycleEvent>? LifecycleChanged;

    public string Kind => "libvirt";

    public long DroppedEvents => Interlocked.Read(ref _droppedEvents);

    public byte[] Definition(GuestSpec guest) => Encoding.UTF8.GetBytes(_xml.Build(guest));

    public void Define(GuestSpec guest)
    {
        using var domain = _session.Connection.Define(_xml.Build(guest));
    }

    public void Undefine(string guest)
    {
        using var domain = _session.Connection.Find(guest);
        domain?.Undefine();
    }

    /// <summary>Makes the TAPs, redefines the domain from the spec (so what runs is what was measured), starts it.</summary>
    public void Start(GuestSpec guest)
    {
        var made = new List<string>();
        try
        {
            foreach (var nic in guest.Nics)
            {
                MakeTap(nic.PortName);
                made.Add(nic.PortName);
            }

            using var domain = _session.Connection.Define(_xml.Build(guest));
            domain.Start();
        }
        catch
        {
            DeleteTaps(made);
            throw;
        }
    }

    /// <summary>Destroys the domain if it runs, then deletes the TAPs its definition names.</summary>
    public void Stop(string guest)
    {
        using var domain = _session.Connection.Find(guest);
        if (domain is null)
        {
            return;
        }

        var taps = ManagedTaps(domain.GetXml());
        if (domain.IsActive)
        {
            domain.Destroy();
        }

        DeleteTaps(taps);
    }

    public void AttachNic(GuestSpec guest, GuestNic nic)
    {
        MakeTap(nic.PortName);
        try
        {
            using var domain = Require(guest.Name);
            domain.AttachDevice(DomainXmlBuilder.ToText(DomainXmlBuilder.Interface(nic)), live: true, persistent: true);
        }
        catch
        {
            DeleteTaps([nic.PortName]);
            throw;
        }
    }

    public void AttachVolume(GuestSpec guest, GuestVolume volume)
    {
        var index = (guest.Image is null ? 0 : 1) + guest.Volumes.ToList().IndexOf(volume);
        var disk = DomainXmlBuilder.Disk(volume.Path, DomainXmlBuilder.DiskTarget(index), volume.ReadOnly);
        using var domain = Require(guest.Name);
        domain.AttachDevice(DomainXmlBuilder.ToText(disk), live: true, persistent: true);
    }

    public IReadOnlyCollection<string> ListRunning() =>
        _session.Connection.ListStates()
            .Where(d => d.State is not (DomainState.Shutoff or DomainState.NoState or DomainState.Crashed))
            .Select(d => d.Name)
            .ToList();

    public bool IsRunning(string guest)
    {
        using var domain = _session.Connection.Find(guest);
        return domain?.IsActive ?? false;
    }

    public void Dispose()
    {
        _session.DomainLifecycle -= OnDomainEvent;
        _events.Writer.TryComplete();
        _dispatcher.Wait(TimeSpan.FromSeconds(5));
    }

    /// <summary>The TAPs a domain definition names with <c>managed='no'</c>: the daemon's own.</summary>
    internal static List<string> ManagedTaps(string domainXml) =>
        XElement.Parse(domainXml)
            .Elements("devices").Elements("interface")
            .Where(i => (string?)i.Attribute("type") == "ethernet")
            .Select(i => i.Element("target"))
            .Where(t => t is not null && (string?)t.Attribute("managed") == "no" && t.Attribute("dev") is not null)
            .Select(t => (string)t!.Attribute("dev")!)
            .ToList();

    private LibvirtDomain Require(string guest) =>
        _session.Connection.Find(guest) ?? throw new GuestBackendException($"libvirt has no domain {guest}");

    private void MakeTap(string name)
    {
        if (_manageTaps)
        {
            TapDevice.CreatePersistent(name);
            TapDevice.SetUp(name);
        }
    }

    private void DeleteTaps(IEnumerable<string> names)
    {
        if (!_manageTaps)
        {
            return;
        }

        foreach (var name in names)
        {
            TapDevice.Delete(name);
        }
    }

    /// <summary>On the libvirt event-loop thread: translate and queue, nothing else.</summary>
    private void OnDomainEvent(DomainLifecycleEvent e)
    {
        GuestLifecycle? kind = e.Type switch
        {
            DomainEventType.Started => GuestLifecycle.Started,
            DomainEventType.Stopped or DomainEventType.Crashed => GuestLifecycle.Stopped,
            _ => null,
        };
        if (kind is { } k)
        {
            _events.Writer.TryWrite(new GuestLifecycleEvent(e.DomainName, k));
        }
    }

    private async Task DispatchAsync()
    {
        await foreach (var e in _events.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                LifecycleChanged?.Invoke(e);
            }
            catch (Exception ex) when (ex is GuestBackendException or Interop.LibvirtException or ErrnoException)
            {
                // The manager reconciles on the next pass; one bad event must not end the dispatcher.
            }
        }
    }
}
