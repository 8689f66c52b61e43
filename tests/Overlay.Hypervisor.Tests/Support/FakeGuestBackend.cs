using System.Text;
using Overlay.Hypervisor.Guests;

namespace Overlay.Hypervisor.Tests.Support;

/// <summary>An in-memory backend for GuestManager unit tests: records every call, can be told to fail, and can
/// play an operator running `virsh start/destroy` behind the manager's back.</summary>
internal sealed class FakeGuestBackend : IGuestBackend
{
    public Dictionary<string, GuestSpec> Defined { get; } = [];

    public HashSet<string> Running { get; } = [];

    public List<string> Calls { get; } = [];

    public Exception? FailStartWith { get; set; }

    public string Kind => "fake";

    public event Action<GuestLifecycleEvent>? LifecycleChanged;

    public byte[] Definition(GuestSpec guest) => Encoding.UTF8.GetBytes($"fake-definition:{guest.Name}:{guest.Nics.Count}");

    public void Define(GuestSpec guest)
    {
        Calls.Add($"define {guest.Name}");
        Defined[guest.Name] = guest;
    }

    public void Undefine(string guest)
    {
        Calls.Add($"undefine {guest}");
        Defined.Remove(guest);
    }

    public void Start(GuestSpec guest)
    {
        Calls.Add($"start {guest.Name}");
        if (FailStartWith is not null)
        {
            throw FailStartWith;
        }

        Running.Add(guest.Name);

        // Like libvirt, the backend reports the manager's own start as an event too.
        LifecycleChanged?.Invoke(new GuestLifecycleEvent(guest.Name, GuestLifecycle.Started));
    }

    public void Stop(string guest)
    {
        Calls.Add($"stop {guest}");
        if (Running.Remove(guest))
        {
            LifecycleChanged?.Invoke(new GuestLifecycleEvent(guest, GuestLifecycle.Stopped));
        }
    }

    public void AttachNic(GuestSpec guest, GuestNic nic) => Calls.Add($"hotplug-nic {guest.Name} {nic.Network} {nic.PortName}");

    public void AttachVolume(GuestSpec guest, GuestVolume volume) => Calls.Add($"hotplug-volume {guest.Name} {volume.Name}");

    public IReadOnlyCollection<string> ListRunning() => Running.ToList();

    public bool IsRunning(string guest) => Running.Contains(guest);

    /// <summary>An operator's `virsh start`: the guest runs, then the event arrives.</summary>
    public void StartOutside(string guest, bool raiseEvent = true)
    {
        Running.Add(guest);
        if (raiseEvent)
        {
            LifecycleChanged?.Invoke(new GuestLifecycleEvent(guest, GuestLifecycle.Started));
        }
    }

    /// <summary>A guest powering off, or an operator's `virsh destroy`.</summary>
    public void StopOutside(string guest)
    {
        Running.Remove(guest);
        LifecycleChanged?.Invoke(new GuestLifecycleEvent(guest, GuestLifecycle.Stopped));
    }
}
