namespace Overlay.Hypervisor.Libvirt;

/// <summary>virDomainState (libvirt-domain.h).</summary>
public enum DomainState
{
    NoState = 0,
    Running = 1,
    Blocked = 2,
    Paused = 3,
    Shutdown = 4,
    Shutoff = 5,
    Crashed = 6,
    PMSuspended = 7,
}

/// <summary>virDomainEventType: the <c>event</c> argument of a lifecycle callback (libvirt-domain.h).</summary>
public enum DomainEventType
{
    Defined = 0,
    Undefined = 1,
    Started = 2,
    Suspended = 3,
    Resumed = 4,
    Stopped = 5,
    Shutdown = 6,
    PMSuspended = 7,
    Crashed = 8,
}

/// <summary>virConnectCloseReason: why libvirt closed a connection on its own.</summary>
public enum ConnectionCloseReason
{
    Error = 0,
    EndOfFile = 1,
    KeepAlive = 2,
    Client = 3,
}

/// <summary>One lifecycle event as libvirt reported it; <see cref="Detail"/> is the per-type detail enum's raw value.</summary>
public sealed record DomainLifecycleEvent(string DomainName, DomainEventType Type, int Detail);
