using Overlay.DataPlane.Counters;

namespace Overlay.DataPlane.Switching;

/// <summary>How a frame is forwarded.</summary>
public enum ForwardingKind : byte
{
    /// <summary>Dropped; see <see cref="ForwardingDecision.Drop"/>.</summary>
    Drop,

    /// <summary>To the one endpoint that learned the destination MAC.</summary>
    Unicast,

    /// <summary>Broadcast, multicast or unknown unicast: to every other endpoint of the TVD.</summary>
    Flood,

    /// <summary>Nothing to do (destination is behind the ingress itself, or no other endpoint exists).</summary>
    Filtered,
}

/// <summary>
/// Result of <see cref="TvdSwitch.Decide"/>: the kind and how many targets were written to the
/// caller's span. A value type, so deciding allocates nothing.
/// </summary>
public readonly record struct ForwardingDecision(ForwardingKind Kind, int Count, DropReason Drop)
{
    public static ForwardingDecision Dropped(DropReason reason) => new(ForwardingKind.Drop, 0, reason);

    public static ForwardingDecision Filtered => new(ForwardingKind.Filtered, 0, DropReason.None);
}
