using System.Net;
using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Esp;

namespace Overlay.DataPlane.Sa;

/// <summary>A point-in-time view of one SA for the daemon's status output.</summary>
public sealed record EspSaStatus(
    uint Spi,
    SaDirection Direction,
    IPEndPoint Peer,
    ushort TvdVlanId,
    string TvdLabel,
    InnerMode InnerMode,
    SaState State,
    long Packets,
    long Bytes,
    ulong LastSequence,
    DropCounterSnapshot Drops)
{
    /// <summary>A static outbound SA's durably reserved mark (numbers up to it may be used); null for every other SA.</summary>
    public ulong? SequenceReserved { get; init; }

    public static EspSaStatus From(EspSa sa) => new(
        sa.Spi,
        sa.Direction,
        sa.Descriptor.Peer,
        sa.TvdVlanId,
        sa.Descriptor.TvdLabel,
        sa.InnerMode,
        sa.State,
        sa.Traffic.Packets,
        sa.Traffic.Bytes,
        sa.Direction == SaDirection.Outbound ? sa.LastSequence : sa.Window?.Top ?? 0,
        sa.Drops.Snapshot())
    {
        SequenceReserved = sa.OutboundSequence is { IsPersistent: true } sequence ? sequence.Reserved : null,
    };
}
