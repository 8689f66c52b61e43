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

    public ushort VlanId { get; }

    public string TvdLabel { get; }

    public string? Guest { get; }

    public string? Network { get; }

    /// <summary>Frames read from the guest.</summary>
    public TrafficCounters Received { get; } = new();

    /// <summary>Frames written to the guest.</summary>
    public TrafficCounters Sent { get; } = new();

    /// <summary>Port-level drops (truncated frames, failed sends, full queue); also in the global counters.</summary>
    public DropCounters Drops { get; }
}
