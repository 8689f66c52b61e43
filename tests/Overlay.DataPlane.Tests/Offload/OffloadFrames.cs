using System.Buffers.Binary;
using Overlay.DataPlane.Offload;

namespace Overlay.DataPlane.Tests.Offload;

/// <summary>
/// TCP/UDP frames as a guest with offloads hands them over, and a byte-by-byte RFC 1071 checker that
/// shares no code with <see cref="InternetChecksum"/>.
/// </summary>
internal static class OffloadFrames
{
    public static readonly byte[] SourceV4 = [10, 0, 1, 1];
    public static readonly byte[] DestinationV4 = [10, 0, 2, 1];

    /// <summary>Deterministic payload bytes.</summary>
    public static byte[] Payload(int length, int seed = 7)
    {
        var payload = new byte[length];
        for (int i = 0; i < length; i++)
        {
            payload[i] = (byte)((i * 31) + seed + (i >> 8));
        }

        return payload;
    }

    /// <summary>
    /// Ethernet + IPv4/IPv6 + TCP (with a 12-byte timestamp option) + payload. With
    /// <paramref name="partial"/> the TCP checksum field holds the pseudo-header sum (NEEDS_CSUM, as a
    /// guest leaves it); otherwise a full valid checksum.
    /// </summary>
    public static byte[] Tcp(byte[] payload, uint sequence = 1000, byte flags = TcpFlags.Ack | TcpFlags.Psh, bool v6 = false,
        bool partial = true, ushort ipId = 0x1234, uint tsval = 0xAABBCCDD, ushort sourcePort = 40000, byte[]? source = null, byte[]? destination = null)
    {
        int ipHeader = v6 ? 40 : 20;
        int tcpHeader = 32;
        var frame = new byte[14 + ipHeader + tcpHeader + payload.Length];
        WriteEthernet(frame, v6);
        WriteIp(frame, v6, 6, tcpHeader + payload.Length, ipId, source, destination);
        Span<byte> tcp = frame.AsSpan(14 + ipHeader);
        BinaryPrimitives.WriteUInt16BigEndian(tcp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], 5201);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], sequence);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], 777);
        tcp[12] = (byte)((tcpHeader / 4) << 4);
        tcp[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], 501);
        tcp[20] = 1;
        tcp[21] = 1;
        tcp[22] = 8;
        tcp[23] = 10;
        BinaryPrimitives.WriteUInt32BigEndian(tcp[24..], tsval);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[28..], 0x01020304);
        payload.CopyTo(tcp[tcpHeader..]);
        FinishL4(frame, v6, ipHeader, 16, partial);
        return frame;
    }

    public static byte[] Udp(byte[] payload, bool v6 = false, bool partial = true, byte[]? source = null, byte[]? destination = null, ushort sourcePort = 4433)
    {
        int ipHeader = v6 ? 40 : 20;
        var frame = new byte[14 + ipHeader + 8 + payload.Length];
        WriteEthernet(frame, v6);
        WriteIp(frame, v6, 17, 8 + payload.Length, 0x4321, source, destination);
        Span<byte> udp = frame.AsSpan(14 + ipHeader);
        BinaryPrimitives.WriteUInt16BigEndian(udp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], 443);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)(8 + payload.Length));
        payload.CopyTo(udp[8..]);
        FinishL4(frame, v6, ipHeader, 6, partial);
        return frame;
    }

    /// <summary>True when the IPv4 header checksum (if any) and the L4 checksum verify (RFC 1071, byte by byte).</summary>
    public static bool ChecksumsValid(ReadOnlySpan<byte> frame)
    {
        bool v6 = frame[12] == 0x86;
        int ipHeader = v6 ? 40 : (frame[14] & 0xF) * 4;
        if (!v6 && NaiveSum(frame.Slice(14, ipHeader)) != 0xFFFF)
        {
            return false;
        }

        int l4 = 14 + ipHeader;
        byte protocol = v6 ? frame[14 + 6] : frame[14 + 9];
        return NaiveSum(PseudoHeader(frame, v6, protocol, frame.Length - l4), frame[l4..]) == 0xFFFF;
    }

    /// <summary>The un-complemented sum, folded, computed the slow obvious way.</summary>
    public static int NaiveSum(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second = default)
    {
        long sum = 0;
        byte[] all = [.. first, .. second];
        for (int i = 0; i < all.Length; i += 2)
        {
            int word = all[i] << 8;
            if (i + 1 < all.Length)
            {
                word |= all[i + 1];
            }

            sum += word;
        }

        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (int)sum;
    }

    private static byte[] PseudoHeader(ReadOnlySpan<byte> frame, bool v6, byte protocol, int length)
    {
        if (v6)
        {
            var p6 = new byte[40];
            frame.Slice(14 + 8, 32).CopyTo(p6);
            BinaryPrimitives.WriteInt32BigEndian(p6.AsSpan(32), length);
            p6[39] = protocol;
            return p6;
        }

        var p4 = new byte[12];
        frame.Slice(14 + 12, 8).CopyTo(p4);
        p4[9] = protocol;
        BinaryPrimitives.WriteUInt16BigEndian(p4.AsSpan(10), (ushort)length);
        return p4;
    }

    private static void FinishL4(byte[] frame, bool v6, int ipHeader, int checksumOffset, bool partial)
    {
        int l4 = 14 + ipHeader;
        byte protocol = v6 ? frame[14 + 6] : frame[14 + 9];
        int pseudo = NaiveSum(PseudoHeader(frame, v6, protocol, frame.Length - l4));
        ushort value = partial ? (ushort)pseudo : (ushort)~NaiveSum(PseudoHeader(frame, v6, protocol, frame.Length - l4), frame.AsSpan(l4));
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(l4 + checksumOffset), value);
    }

    private static void WriteEthernet(byte[] frame, bool v6)
    {
        frame.AsSpan(0, 6).Fill(0x02);
        frame.AsSpan(6, 6).Fill(0x04);
        frame[12] = v6 ? (byte)0x86 : (byte)0x08;
        frame[13] = v6 ? (byte)0xDD : (byte)0x00;
    }

    private static void WriteIp(byte[] frame, bool v6, byte protocol, int l4Length, ushort id, byte[]? source = null, byte[]? destination = null)
    {
        Span<byte> ip = frame.AsSpan(14);
        if (v6)
        {
            ip[0] = 0x60;
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)l4Length);
            ip[6] = protocol;
            ip[7] = 64;
            ip[8] = 0xfd;
            ip[23] = 1;
            ip[24] = 0xfd;
            ip[39] = 2;
            return;
        }

        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + l4Length));
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], id);
        ip[6] = 0x40; // DF
        ip[8] = 64;
        ip[9] = protocol;
        (source ?? SourceV4).CopyTo(ip[12..]);
        (destination ?? DestinationV4).CopyTo(ip[16..]);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], (ushort)~NaiveSum(ip[..20]));
    }
}
