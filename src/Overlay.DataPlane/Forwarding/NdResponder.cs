using System.Buffers.Binary;
using Overlay.DataPlane.Frames;
using Overlay.DataPlane.Offload;

namespace Overlay.DataPlane.Forwarding;

/// <summary>
/// Neighbour discovery proxy (RFC 4861 §7.2.8) for the IPv6 addresses behind IP-mode tunnels, as
/// <see cref="ArpResponder"/> is proxy ARP for IPv4: a guest that has the remote prefix on-link
/// (<c>ip -6 route add fd13:2::/64 dev eth0</c>) solicits each remote address, and the router advertises
/// it at <see cref="IpTunnelRouter.RouterMac"/>.
/// <para>
/// Solicitations and advertisements are validated as RFC 4861 §7.1.1 and §7.1.2 ask: IP hop limit 255
/// (the message was not forwarded), a valid ICMPv6 checksum over the IPv6 pseudo-header, code 0, at least
/// 24 bytes, a target that is no multicast address, options of non-zero length; a solicitation from the
/// unspecified address (duplicate address detection) goes to the target's solicited-node address and
/// carries no source link-layer address option; an advertisement to a multicast address is not solicited.
/// Only ICMPv6 right after the fixed IPv6 header is parsed (a message behind extension headers is left to
/// the switch), and a solicitation must be sent to the target itself or to its solicited-node address.
/// </para>
/// <para>
/// The advertisement comes from the target address with a target link-layer address option, Solicited set
/// and unicast to the asker (§7.2.4), Override clear (§7.2.8: a proxy must not override the target's own
/// advertisement) and Router clear: the advertised node is the remote host, not a router (Linux's proxy_ndp
/// answers the same for a proxy entry without the <c>router</c> flag). An answer to duplicate address
/// detection goes to all-nodes (<c>ff02::1</c>) with Solicited clear (§7.2.4), so no guest can take an
/// address that lies behind a tunnel.
/// </para>
/// </summary>
public static class NdResponder
{
    /// <summary>Ethernet, IPv6, a 24-byte advertisement and an 8-byte target link-layer address option.</summary>
    public const int AdvertisementFrameLength = EthernetFrame.HeaderLength + Ipv6HeaderLength + MessageLength + LinkLayerOptionLength;

    public const byte TypeNeighborSolicitation = 135;
    public const byte TypeNeighborAdvertisement = 136;

    /// <summary>Router, Solicited and Override flags of an advertisement (the high bits of its first word).</summary>
    public const uint FlagRouter = 0x8000_0000;
    public const uint FlagSolicited = 0x4000_0000;
    public const uint FlagOverride = 0x2000_0000;

    private const int Ipv6HeaderLength = 40;
    private const int MessageLength = 24; // type, code, checksum, flags/reserved, target
    private const int LinkLayerOptionLength = 8;
    private const byte NextHeaderIcmpv6 = 58;
    private const byte RequiredHopLimit = 255;
    private const byte OptionSourceLinkLayer = 1;
    private const byte OptionTargetLinkLayer = 2;

    /// <summary>
    /// True for a valid neighbour solicitation (RFC 4861 §7.1.1) in an Ethernet/IPv6 frame. Gives the
    /// asker's MAC (its source link-layer address option, else the frame's source), its address (all zero
    /// for duplicate address detection) and the target (slices of <paramref name="frame"/>).
    /// </summary>
    public static bool TryParseSolicitation(ReadOnlySpan<byte> frame, out MacAddress askerMac, out ReadOnlySpan<byte> askerIp, out ReadOnlySpan<byte> target)
    {
        askerMac = default;
        askerIp = target = default;
        if (!TryReadMessage(frame, TypeNeighborSolicitation, out ReadOnlySpan<byte> ip, out ReadOnlySpan<byte> icmp))
        {
            return false;
        }

        ReadOnlySpan<byte> source = ip.Slice(8, 16);
        ReadOnlySpan<byte> destination = ip.Slice(24, 16);
        ReadOnlySpan<byte> wanted = icmp.Slice(8, 16);
        bool unspecified = IsUnspecified(source);
        bool toSolicitedNode = IsSolicitedNodeOf(destination, wanted);
        if (!toSolicitedNode && (unspecified || !destination.SequenceEqual(wanted)))
        {
            return false; // neither the target's solicited-node group nor the target itself (unicast probe)
        }

        if (!TryFindLinkLayerOption(icmp[MessageLength..], OptionSourceLinkLayer, out bool found, out MacAddress optionMac)
            || (unspecified && found))
        {
            return false;
        }

        askerMac = found ? optionMac : EthernetFrame.Source(frame);
        askerIp = source;
        target = wanted;
        return true;
    }

    /// <summary>
    /// True for a valid neighbour advertisement (RFC 4861 §7.1.2) in an Ethernet/IPv6 frame; gives its
    /// flags, the target and its MAC (the target link-layer address option, else the frame's source).
    /// </summary>
    public static bool TryParseAdvertisement(ReadOnlySpan<byte> frame, out uint flags, out ReadOnlySpan<byte> target, out MacAddress targetMac)
    {
        flags = 0;
        target = default;
        targetMac = default;
        if (!TryReadMessage(frame, TypeNeighborAdvertisement, out ReadOnlySpan<byte> ip, out ReadOnlySpan<byte> icmp))
        {
            return false;
        }

        uint word = BinaryPrimitives.ReadUInt32BigEndian(icmp[4..]);
        if (ip[24] == 0xFF && (word & FlagSolicited) != 0)
        {
            return false; // a solicited advertisement is unicast
        }

        if (!TryFindLinkLayerOption(icmp[MessageLength..], OptionTargetLinkLayer, out bool found, out MacAddress optionMac))
        {
            return false;
        }

        flags = word & (FlagRouter | FlagSolicited | FlagOverride);
        target = icmp.Slice(8, 16);
        targetMac = found ? optionMac : EthernetFrame.Source(frame);
        return true;
    }

    /// <summary>
    /// Writes the proxy's advertisement of <paramref name="target"/> at <paramref name="routerMac"/> in answer
    /// to a solicitation from <paramref name="askerMac"/> / <paramref name="askerIp"/> (unspecified: duplicate
    /// address detection, answered to all-nodes); returns its length, <see cref="AdvertisementFrameLength"/>.
    /// </summary>
    public static int WriteProxyAdvertisement(Span<byte> frame, MacAddress routerMac, ReadOnlySpan<byte> target, MacAddress askerMac, ReadOnlySpan<byte> askerIp)
    {
        if (IsUnspecified(askerIp))
        {
            Span<byte> allNodes = stackalloc byte[16];
            allNodes[0] = 0xFF;
            allNodes[1] = 0x02;
            allNodes[15] = 0x01;
            return WriteAdvertisement(frame, routerMac, new MacAddress(0x3333_0000_0001UL), target, allNodes, 0);
        }

        return WriteAdvertisement(frame, routerMac, askerMac, target, askerIp, FlagSolicited);
    }

    /// <summary>
    /// Writes an advertisement of <paramref name="target"/> at <paramref name="sourceMac"/> (also its target
    /// link-layer address option), from the target address to <paramref name="destinationIp"/>, with
    /// <paramref name="flags"/>; returns its length.
    /// </summary>
    public static int WriteAdvertisement(
        Span<byte> frame, MacAddress sourceMac, MacAddress destinationMac, ReadOnlySpan<byte> target, ReadOnlySpan<byte> destinationIp, uint flags)
    {
        frame = frame[..AdvertisementFrameLength];
        destinationMac.Write(frame);
        sourceMac.Write(frame[EthernetFrame.SourceOffset..]);
        BinaryPrimitives.WriteUInt16BigEndian(frame[EthernetFrame.EtherTypeOffset..], EthernetFrame.EtherTypeIPv6);

        Span<byte> ip = frame[EthernetFrame.HeaderLength..];
        BinaryPrimitives.WriteUInt32BigEndian(ip, 0x6000_0000); // version 6, no traffic class, no flow label
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], MessageLength + LinkLayerOptionLength);
        ip[6] = NextHeaderIcmpv6;
        ip[7] = RequiredHopLimit;
        target[..16].CopyTo(ip[8..]);
        destinationIp[..16].CopyTo(ip[24..]);

        Span<byte> icmp = ip.Slice(Ipv6HeaderLength, MessageLength + LinkLayerOptionLength);
        icmp[0] = TypeNeighborAdvertisement;
        icmp[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(icmp[4..], flags & (FlagRouter | FlagSolicited | FlagOverride));
        target[..16].CopyTo(icmp[8..]);
        icmp[24] = OptionTargetLinkLayer;
        icmp[25] = 1; // in units of 8 bytes
        sourceMac.Write(icmp[26..]);
        ushort checksum = InternetChecksum.Complement(
            InternetChecksum.Sum(icmp, InternetChecksum.PseudoHeaderV6(ip[8..], ip[24..], NextHeaderIcmpv6, icmp.Length)));
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], checksum);
        return AdvertisementFrameLength;
    }

    /// <summary>True for an Ethernet/IPv6 frame whose next header is ICMPv6 of type 135 or 136 (before any validation).</summary>
    public static bool IsNeighborDiscovery(ReadOnlySpan<byte> frame) =>
        frame.Length >= EthernetFrame.HeaderLength + Ipv6HeaderLength + MessageLength
        && EthernetFrame.EtherType(frame) == EthernetFrame.EtherTypeIPv6
        && frame[EthernetFrame.HeaderLength + 6] == NextHeaderIcmpv6
        && frame[EthernetFrame.HeaderLength + Ipv6HeaderLength] is TypeNeighborSolicitation or TypeNeighborAdvertisement;

    /// <summary>The checks that §7.1.1 and §7.1.2 share; gives the IPv6 header and the ICMPv6 message (its payload length).</summary>
    private static bool TryReadMessage(ReadOnlySpan<byte> frame, byte type, out ReadOnlySpan<byte> ip, out ReadOnlySpan<byte> icmp)
    {
        ip = icmp = default;
        if (frame.Length < EthernetFrame.HeaderLength + Ipv6HeaderLength + MessageLength
            || EthernetFrame.EtherType(frame) != EthernetFrame.EtherTypeIPv6)
        {
            return false;
        }

        ip = frame[EthernetFrame.HeaderLength..];
        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(ip[4..]);
        if (ip[0] >> 4 != 6 || ip[6] != NextHeaderIcmpv6 || ip[7] != RequiredHopLimit
            || payloadLength < MessageLength || Ipv6HeaderLength + payloadLength > ip.Length)
        {
            return false;
        }

        icmp = ip.Slice(Ipv6HeaderLength, payloadLength); // Ethernet padding after it is not part of the message
        if (icmp[0] != type || icmp[1] != 0 || icmp[8] == 0xFF) // code 0; the target is no multicast address
        {
            return false;
        }

        uint sum = InternetChecksum.Sum(icmp, InternetChecksum.PseudoHeaderV6(ip[8..], ip[24..], NextHeaderIcmpv6, payloadLength));
        return InternetChecksum.Complement(sum) == 0;
    }

    /// <summary>
    /// Walks the options (§4.6): false when one has length 0 or runs past the end; <paramref name="found"/>
    /// says whether an option of <paramref name="type"/> for Ethernet (length 1) was there.
    /// </summary>
    private static bool TryFindLinkLayerOption(ReadOnlySpan<byte> options, byte type, out bool found, out MacAddress mac)
    {
        found = false;
        mac = default;
        while (!options.IsEmpty)
        {
            if (options.Length < 2 || options[1] == 0 || options[1] * 8 > options.Length)
            {
                return false;
            }

            int length = options[1] * 8;
            if (options[0] == type && length == LinkLayerOptionLength && !found)
            {
                found = true;
                mac = MacAddress.Read(options[2..]);
            }

            options = options[length..];
        }

        return true;
    }

    private static bool IsUnspecified(ReadOnlySpan<byte> address) => address[..16].IndexOfAnyExcept((byte)0) < 0;

    /// <summary>ff02::1:ffXX:XXXX with the target's low 24 bits (RFC 4291 §2.7.1).</summary>
    private static bool IsSolicitedNodeOf(ReadOnlySpan<byte> destination, ReadOnlySpan<byte> target)
    {
        ReadOnlySpan<byte> prefix = [0xFF, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xFF];
        return destination[..13].SequenceEqual(prefix) && destination.Slice(13, 3).SequenceEqual(target.Slice(13, 3));
    }
}
