namespace Overlay.Hypervisor.Guests;

/// <summary>What happened to a guest, as a backend saw it (for libvirt: from domain lifecycle events).</summary>
public enum GuestLifecycle
{
    Started,
    Stopped,
}

public sealed record GuestLifecycleEvent(string Guest, GuestLifecycle Kind);

/// <summary>
/// A way to run guests: libvirt VMs, or network namespaces for the lab. Backends carry out; they decide nothing.
/// Every policy check happens in <see cref="GuestManager"/> before a backend is asked. Calls block until done and
/// throw <see cref="GuestBackendException"/> (or the underlying typed exception) when they fail.
/// </summary>
public interface IGuestBackend
{
    /// <summary>"libvirt" or "netns": shown in status output and audit lines.</summary>
    string Kind { get; }

    /// <summary>
    /// Raised when a guest started or stopped on its own or by someone else (virsh start/destroy). May be raised on
    /// any thread; also raised for the manager's own actions, which it recognises.
    /// </summary>
    event Action<GuestLifecycleEvent>? LifecycleChanged;

    /// <summary>The exact definition the backend will run (the domain XML for libvirt); measured before start.</summary>
    byte[] Definition(GuestSpec guest);

    /// <summary>Makes the guest known to the backend without starting it (libvirt: define the domain).</summary>
    void Define(GuestSpec guest);

    /// <summary>Forgets a stopped guest (libvirt: undefine; removes its TAPs).</summary>
    void Undefine(string guest);

    /// <summary>Creates the guest's ports and starts it.</summary>
    void Start(GuestSpec guest);

    /// <summary>Stops the guest at once (libvirt: destroy) and removes its ports. Nothing when it is not running.</summary>
    void Stop(string guest);

    /// <summary>Hot-plugs one more vNIC into a running guest (the spec already lists it).</summary>
    void AttachNic(GuestSpec guest, GuestNic nic);

    /// <summary>Hot-plugs a volume into a running guest (the spec already lists it).</summary>
    void AttachVolume(GuestSpec guest, GuestVolume volume);

    /// <summary>Names of the guests running now, whoever started them.</summary>
    IReadOnlyCollection<string> ListRunning();

    bool IsRunning(string guest);
}

/// <summary>A backend could not do what it was asked; the message says what and why.</summary>
public sealed class GuestBackendException(string message, Exception? inner = null) : Exception(message, inner);
