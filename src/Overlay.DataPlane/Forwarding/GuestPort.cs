using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Io;

namespace Overlay.DataPlane.Forwarding;

/// <summary>
/// A local guest NIC attached to one TVD (the policy engine allowed the binding at attach time).
/// Its id is its <see cref="Switching.SwitchEndpoint"/> id in the switch.
/// </summary>
public sealed class GuestPort
{
    internal GuestPort(int id, string name, IGuestPortIo io, ushort vlanId, string tvdLabel, string? guest, string? network, DropCounters globalDrops)
    {
        Id = id;
        Name = name;
        Io = io;
        Queues = io.Queues ?? [io];
        VlanId = vlanId;
        TvdLabel = tvdLabel;
        Guest = guest;
        Network = network;
        Drops = new DropCounters(globalDrops);
    }

    public int Id { get; }

    /// <summary>The operator's name for the port (config <c>[[dataplane.port]] name</c>).</summary>
    public string Name { get; }

    public IGuestPortIo Io { get; }

    /// <summary>The port's receive queues, one port loop (worker) each: <see cref="Io"/> alone, or its fanout group's sockets.</summary>
    public IReadOnlyList<IGuestPortIo> Queues { get; }

    /// <summary>
    /// The queue underlay worker <paramref name="worker"/> may hold frames back in (merging a flow's segments until
    /// its batch ends): its own, so no two workers share a coalescer; null when the port has no queue for it (the
    /// worker then sends each frame as it comes).
    /// </summary>
    internal IGuestPortIo? CoalescingQueue(int worker) => worker < Queues.Count ? Queues[worker] : null;

    public ushort VlanId { get; }

    public string TvdLabel { get; }

    public string? Guest { get; }

    public string? Network { get; }

    /// <summary>Frames read from the guest.</summary>
    public TrafficCounters Received { get; } = new(perWorker: true);

    /// <summary>Frames written to the guest.</summary>
    public TrafficCounters Sent { get; } = new(perWorker: true);

    /// <summary>Port-level drops (truncated frames, failed sends, full queue); also in the global counters.</summary>
    public DropCounters Drops { get; }

    /// <summary>Detached at runtime (its guest stopped): no frame is read from or sent to it any more.</summary>
    public bool IsDetached => Volatile.Read(ref _detached) != 0;

    /// <summary>
    /// Detached, its receive loop ended, its I/O closed and the switch rid of its MACs: nothing refers to the
    /// port any more except stale snapshots, and its slot may take a new port of the same TVD.
    /// </summary>
    internal bool IsSlotFree => Volatile.Read(ref _slotFree) != 0;

    private int _detached;
    private int _released;
    private int _slotFree;

    internal void MarkDetached() => Volatile.Write(ref _detached, 1);

    /// <summary>True exactly once: whoever gets it closes <see cref="Io"/> (a detach and a pipeline stop can race).</summary>
    internal bool TryRelease() => Interlocked.Exchange(ref _released, 1) == 0;

    internal void MarkSlotFree() => Volatile.Write(ref _slotFree, 1);
}
