using System.Buffers.Binary;
using Overlay.DataPlane.Counters;

namespace Overlay.DataPlane.Frames;

/// <summary>
/// Helpers over an Ethernet II frame as a guest sends it (no preamble, no FCS), IEEE 802.3 §3.1.1:
/// <code>
/// +-------------------+-------------------+-----------+-------------------------+
/// | destination (6)   | source (6)        | type (2)  | payload (46..MTU)       |
/// +-------------------+-------------------+-----------+-------------------------+
/// </code>
/// The caller has checked the frame with <see cref="Check"/> before using the accessors.
/// </summary>
public static class EthernetFrame
{
    public const int HeaderLength = 14;
    public const int DestinationOffset = 0;
    public const int SourceOffset = 6;
    public const int EtherTypeOffset = 12;
    public const int DefaultMtu = 1500;

    public const ushort EtherTypeIPv4 = 0x0800;
    public const ushort EtherTypeArp = 0x0806;
    public const ushort EtherTypeIPv6 = 0x86DD;

    public static MacAddress Destination(ReadOnlySpan<byte> frame) => MacAddress.Read(frame[DestinationOffset..]);

    public static MacAddress Source(ReadOnlySpan<byte> frame) => MacAddress.Read(frame[SourceOffset..]);

    /// <summary>The type field after the MACs (0x8100 when the frame carries an 802.1Q tag).</summary>
    public static ushort EtherType(ReadOnlySpan<byte> frame) => BinaryPrimitives.ReadUInt16BigEndian(frame[EtherTypeOffset..]);

    /// <summary>
    /// Length checks for an untagged frame: <see cref="DropReason.Runt"/> below 14 bytes,
    /// <see cref="DropReason.Oversized"/> above 14 + <paramref name="mtu"/>, else <see cref="DropReason.None"/>.
    /// </summary>
    public static DropReason Check(ReadOnlySpan<byte> frame, int mtu = DefaultMtu)
    {
        if (frame.Length < HeaderLength)
        {
            return DropReason.Runt;
        }

        return frame.Length > HeaderLength + mtu ? DropReason.Oversized : DropReason.None;
    }
}
