using System.Buffers.Binary;
using Overlay.DataPlane.Counters;

namespace Overlay.DataPlane.Frames;

/// <summary>
/// The IEEE 802.1Q tag that names a frame's TVD inside EtherIP, inserted after the MACs:
/// <code>
/// +---------+---------+-----------+-----+-----+--------------+-----------+---------+
/// | dst (6) | src (6) | TPID 8100 | PCP | DEI | VID (12 bit) | type (2)  | payload |
/// +---------+---------+-----------+-----+-----+--------------+-----------+---------+
///                     |&lt;------ tag (4 bytes): TPID(16) TCI(16) -----&gt;|
/// </code>
/// Encapsulation inserts the tag of the port's TVD; decapsulation strips it after checking that
/// the VID is the SA's TVD. Guests never see tags.
/// </summary>
public static class VlanTag
{
    public const int Size = 4;
    public const ushort Tpid = 0x8100;

    /// <summary>802.1Q reserves VID 0 (priority tag) and 4095; a TVD's VID is one of the others.</summary>
    public const ushort MinVid = 1;

    public const ushort MaxVid = 4094;
    public const int TaggedHeaderLength = EthernetFrame.HeaderLength + Size;
    private const ushort VidMask = 0x0FFF;
    private const int MacsLength = 2 * MacAddress.Size;

    /// <summary>Copies <paramref name="frame"/> into <paramref name="output"/> with a tag for <paramref name="vlanId"/> (PCP 0).</summary>
    public static bool TryInsert(ReadOnlySpan<byte> frame, ushort vlanId, Span<byte> output, out int written)
    {
        written = 0;
        if (frame.Length < EthernetFrame.HeaderLength || output.Length < frame.Length + Size || output.Overlaps(frame))
        {
            return false;
        }

        frame[..MacsLength].CopyTo(output);
        BinaryPrimitives.WriteUInt16BigEndian(output[MacsLength..], Tpid);
        BinaryPrimitives.WriteUInt16BigEndian(output[(MacsLength + 2)..], (ushort)(vlanId & VidMask));
        frame[MacsLength..].CopyTo(output[(MacsLength + Size)..]);
        written = frame.Length + Size;
        return true;
    }

    /// <summary>Reads the VID of a tagged frame; false when the frame is too short or untagged.</summary>
    public static bool TryReadVlanId(ReadOnlySpan<byte> frame, out ushort vlanId)
    {
        vlanId = 0;
        if (frame.Length < TaggedHeaderLength || EthernetFrame.EtherType(frame) != Tpid)
        {
            return false;
        }

        vlanId = (ushort)(BinaryPrimitives.ReadUInt16BigEndian(frame[(MacsLength + 2)..]) & VidMask);
        return true;
    }

    /// <summary>
    /// Checks that <paramref name="frame"/> carries the tag of <paramref name="expectedVlanId"/> and
    /// removes it in place by moving the MACs 4 bytes forward; <paramref name="untagged"/> is the
    /// guest's frame (a slice of <paramref name="frame"/>). Fails with Runt, Untagged or ForeignTag.
    /// </summary>
    public static DropReason TryStripInPlace(Span<byte> frame, ushort expectedVlanId, out Span<byte> untagged)
    {
        untagged = default;
        if (frame.Length < TaggedHeaderLength)
        {
            return frame.Length >= EthernetFrame.HeaderLength && EthernetFrame.EtherType(frame) != Tpid
                ? DropReason.Untagged
                : DropReason.Runt;
        }

        if (!TryReadVlanId(frame, out ushort vlanId))
        {
            return DropReason.Untagged;
        }

        if (vlanId != expectedVlanId)
        {
            return DropReason.ForeignTag;
        }

        frame[..MacsLength].CopyTo(frame[Size..]);
        untagged = frame[Size..];
        return DropReason.None;
    }
}
