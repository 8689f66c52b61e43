using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Frames;

namespace Overlay.DataPlane.Esp;

/// <summary>
/// The TVD tunnel between our hosts: a guest's Ethernet frame, tagged with its TVD's VID, inside
/// EtherIP (RFC 3378), inside ESP (next header 97):
/// <code>
/// | SPI | seq | IV | EtherIP 0x3000 | dst | src | 8100 VID | type | payload | pad | pl | 97 | ICV |
///                  |&lt;---------------------- encrypted ----------------------------------&gt;|
/// </code>
/// Both directions work inside one packet buffer: the inner payload is built or unwrapped at
/// offset 16 (after SPI, seq and IV), so no frame is copied more than once and nothing allocates.
/// Every failure is returned as a <see cref="DropReason"/> and counted on the SA.
/// </summary>
public static class EtherIpTunnel
{
    /// <summary>Inner payload bytes for a guest frame: EtherIP header + 802.1Q tag + frame.</summary>
    public static int GetInnerLength(int frameLength) => EtherIpHeader.Size + VlanTag.Size + frameLength;

    /// <summary>Packet bytes needed to tunnel a guest frame of <paramref name="frameLength"/> bytes.</summary>
    public static int GetPacketLength(int frameLength) => EspSa.GetSealedLength(GetInnerLength(frameLength));

    /// <summary>
    /// Tags <paramref name="guestFrame"/> with the SA's TVD, wraps it in EtherIP and seals it into
    /// <paramref name="packet"/> (which must not overlap the frame).
    /// </summary>
    public static DropReason Encapsulate(EspSa sa, ReadOnlySpan<byte> guestFrame, Span<byte> packet, out int written, int mtu = EthernetFrame.DefaultMtu)
    {
        written = 0;
        if (sa.Direction != SaDirection.Outbound || sa.InnerMode != InnerMode.EtherIp)
        {
            return DropReason.BadNextHeader; // a caller bug: this SA does not carry EtherIP outbound
        }

        DropReason frameCheck = EthernetFrame.Check(guestFrame, mtu);
        if (frameCheck != DropReason.None)
        {
            return Count(sa, frameCheck);
        }

        int innerLength = GetInnerLength(guestFrame.Length);
        if (packet.Length < EspSa.GetSealedLength(innerLength) || packet.Overlaps(guestFrame))
        {
            return Count(sa, DropReason.BufferTooSmall);
        }

        Span<byte> inner = packet.Slice(EspConstants.PayloadOffset, innerLength);
        EtherIpHeader.TryWrite(inner);
        VlanTag.TryInsert(guestFrame, sa.TvdVlanId, inner[EtherIpHeader.Size..], out _);

        // Seal counts its own failures.
        return sa.Seal(inner, EspConstants.NextHeaderEtherIp, packet, out written).ToDropReason();
    }

    /// <summary>
    /// Opens <paramref name="packet"/> in place, checks EtherIP and that the tag is the SA's TVD,
    /// strips the tag and returns the guest frame as a slice of <paramref name="packet"/>.
    /// An authenticated dummy packet returns <see cref="DropReason.None"/> with an empty frame.
    /// </summary>
    public static DropReason Decapsulate(EspSa sa, Span<byte> packet, out Span<byte> guestFrame, int mtu = EthernetFrame.DefaultMtu)
    {
        guestFrame = default;
        if (sa.InnerMode != InnerMode.EtherIp)
        {
            return DropReason.BadNextHeader; // a caller bug: an IP-mode SA goes to the router, not here
        }

        Span<byte> plaintext = packet.Length > EspConstants.PayloadOffset ? packet[EspConstants.PayloadOffset..] : default;
        EspOpenResult opened = sa.TryOpen(packet, plaintext, out int innerLength, out _);
        if (opened != EspOpenResult.Ok)
        {
            return opened.ToDropReason(); // TryOpen counted it; Dummy maps to None
        }

        Span<byte> inner = plaintext[..innerLength];
        if (!EtherIpHeader.IsValid(inner))
        {
            return Count(sa, DropReason.BadEtherIpHeader);
        }

        DropReason tagCheck = VlanTag.TryStripInPlace(inner[EtherIpHeader.Size..], sa.TvdVlanId, out Span<byte> frame);
        if (tagCheck != DropReason.None)
        {
            return Count(sa, tagCheck);
        }

        DropReason frameCheck = EthernetFrame.Check(frame, mtu);
        if (frameCheck != DropReason.None)
        {
            return Count(sa, frameCheck);
        }

        guestFrame = frame;
        return DropReason.None;
    }

    private static DropReason Count(EspSa sa, DropReason reason)
    {
        sa.Drops.Increment(reason);
        return reason;
    }
}
