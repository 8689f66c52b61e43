using System.Buffers.Binary;
using Overlay.DataPlane.Frames;

namespace Overlay.DataPlane.Offload;

/// <summary>
/// Where the IP and transport headers of an untagged Ethernet frame are, for the offload paths
/// (segmentation and coalescing). Only the shapes a GSO engine produces are accepted: IPv4 with or
/// without options, IPv6 without extension headers, then TCP or UDP.
/// </summary>
public readonly record struct L4Layout(bool IsIPv6, byte Protocol, int L4Offset, int HeaderLength)
{
    public const byte ProtocolTcp = 6;
    public const byte ProtocolUdp = 17;
    public const int IPv6HeaderLength = 40;
    public const int UdpHeaderLength = 8;
    public const int TcpMinHeaderLength = 20;

    public int L3Offset => EthernetFrame.HeaderLength;

    /// <summary>Parses the headers; false for anything else or when a header runs past the frame.</summary>
    public static bool TryParse(ReadOnlySpan<byte> frame, out L4Layout layout)
    {
        layout = default;
        if (frame.Length < EthernetFrame.HeaderLength + 20)
        {
            return false;
        }

        ReadOnlySpan<byte> ip = frame[EthernetFrame.HeaderLength..];
        bool v6;
        byte protocol;
        int l4;
        switch (EthernetFrame.EtherType(frame))
        {
            case EthernetFrame.EtherTypeIPv4:
                int ihl = (ip[0] & 0x0F) * 4;
                if (ip[0] >> 4 != 4 || ihl < 20 || ip.Length < ihl || IsFragment(ip))
                {
                    return false;
                }

                v6 = false;
                protocol = ip[9];
                l4 = EthernetFrame.HeaderLength + ihl;
                break;
            case EthernetFrame.EtherTypeIPv6:
                if (ip[0] >> 4 != 6 || ip.Length < IPv6HeaderLength)
                {
                    return false;
                }

                v6 = true;
                protocol = ip[6];
                l4 = EthernetFrame.HeaderLength + IPv6HeaderLength;
                break;
            default:
                return false;
        }

        int l4Header;
        if (protocol == ProtocolTcp)
        {
            if (frame.Length < l4 + TcpMinHeaderLength)
            {
                return false;
            }

            l4Header = (frame[l4 + 12] >> 4) * 4;
            if (l4Header < TcpMinHeaderLength || frame.Length < l4 + l4Header)
            {
                return false;
            }
        }
        else if (protocol == ProtocolUdp)
        {
            l4Header = UdpHeaderLength;
            if (frame.Length < l4 + l4Header)
            {
                return false;
            }
        }
        else
        {
            return false;
        }

        layout = new L4Layout(v6, protocol, l4, l4 + l4Header);
        return true;
    }

    /// <summary>The pseudo-header sum for an L4 segment of <paramref name="l4Length"/> bytes of this frame.</summary>
    public uint PseudoHeader(ReadOnlySpan<byte> frame, int l4Length)
    {
        ReadOnlySpan<byte> ip = frame[L3Offset..];
        return IsIPv6
            ? InternetChecksum.PseudoHeaderV6(ip[8..], ip[24..], Protocol, l4Length)
            : InternetChecksum.PseudoHeaderV4(ip[12..], ip[16..], Protocol, l4Length);
    }

    /// <summary>Sets the IP length field(s) for a frame of <paramref name="frameLength"/> bytes (and the IPv4 header checksum).</summary>
    public void WriteIpLength(Span<byte> frame, int frameLength, ushort? ipv4Id = null)
    {
        Span<byte> ip = frame[L3Offset..];
        if (IsIPv6)
        {
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)(frameLength - L3Offset - IPv6HeaderLength));
            return;
        }

        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(frameLength - L3Offset));
        if (ipv4Id is { } id)
        {
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], id);
        }

        int ihl = L4Offset - L3Offset;
        ip[10] = 0;
        ip[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], InternetChecksum.IPv4Header(ip[..ihl]));
    }

    /// <summary>The L4 checksum field's offset in the frame.</summary>
    public int ChecksumFieldOffset => L4Offset + (Protocol == ProtocolTcp ? 16 : 6);

    /// <summary>Computes and stores the L4 checksum over <c>frame[L4Offset..]</c> (the whole L4 segment).</summary>
    public void WriteL4Checksum(Span<byte> frame)
    {
        int field = ChecksumFieldOffset;
        frame[field] = 0;
        frame[field + 1] = 0;
        uint sum = InternetChecksum.Sum(frame[L4Offset..], PseudoHeader(frame, frame.Length - L4Offset));
        ushort checksum = InternetChecksum.Complement(sum);
        if (checksum == 0 && Protocol == ProtocolUdp)
        {
            checksum = 0xFFFF; // 0 means "no checksum" in UDP (RFC 768)
        }

        BinaryPrimitives.WriteUInt16BigEndian(frame[field..], checksum);
    }

    private static bool IsFragment(ReadOnlySpan<byte> ip) =>
        (BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) & 0x3FFF) != 0; // MF or a fragment offset
}
