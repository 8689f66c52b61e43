namespace Overlay.Hypervisor.Guests;

public enum GuestOutcome
{
    /// <summary>Done: the policy allowed it and the backend carried it out.</summary>
    Done,

    /// <summary>The policy (STE, Chinese Wall, host authorization) or the measured launch refused it.</summary>
    Refused,

    /// <summary>Bad input or the backend failed; nothing changed.</summary>
    Failed,
}

/// <summary>The answer to a guest operation: what happened and, for a refusal, the policy's reason.</summary>
public sealed record GuestResult(GuestOutcome Outcome, string Guest, string Message)
{
    public bool Succeeded => Outcome == GuestOutcome.Done;

    public override string ToString() => $"{Outcome.ToString().ToLowerInvariant()}: {Guest}: {Message}";

    internal static GuestResult Done(string guest, string message) => new(GuestOutcome.Done, guest, message);

    internal static GuestResult Refused(string guest, string reason) => new(GuestOutcome.Refused, guest, reason);

    internal static GuestResult Failed(string guest, string reason) => new(GuestOutcome.Failed, guest, reason);
}

public enum GuestState
{
    Defined,
    Running,
}

/// <summary>One guest as the manager knows it.</summary>
public sealed record GuestStatus(string Name, GuestState State, IReadOnlyList<GuestNic> Nics, IReadOnlyList<GuestVolume> Volumes);

public enum GuestAuditKind
{
    Defined,
    DefineRefused,
    Undefined,
    Started,
    StartRefused,
    Stopped,
    Attached,
    AttachRefused,

    /// <summary>Started outside the daemon (virsh start) and allowed: measured and adopted.</summary>
    OutOfBandAdopted,

    /// <summary>Started outside the daemon and against policy or measurement: destroyed.</summary>
    OutOfBandDestroyed,

    /// <summary>Started outside the daemon, unknown to the policy, and left alone (not a TVD guest).</summary>
    ForeignIgnored,

    /// <summary>Stopped outside the daemon (guest shutdown, virsh destroy, crash).</summary>
    StoppedOutsideDaemon,
}

/// <summary>A guest event for the audit trail; <see cref="Detail"/> carries the policy decision or the reason.</summary>
public sealed record GuestAuditEvent(DateTimeOffset Time, GuestAuditKind Kind, string Guest, string Detail)
{
    public override string ToString() => $"{Time:O} {Kind} {Guest}: {Detail}";
}
