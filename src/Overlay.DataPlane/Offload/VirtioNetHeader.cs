using System.Buffers.Binary;

namespace Overlay.DataPlane.Offload;

/// <summary>
/// struct virtio_net_hdr (virtio spec 5.1.6, linux/virtio_net.h): the 10 bytes that precede every frame
/// on an AF_PACKET socket with PACKET_VNET_HDR (and on a TAP with IFF_VNET_HDR). It says whether the
/// frame still needs its L4 checksum and whether it is a GSO super-frame to be cut into
/// <see cref="GsoSize"/>-byte segments. Fields are in host byte order (little-endian here).
/// </summary>
public readonly record struct VirtioNetHeader(byte Flags, byte GsoType, ushort HeaderLength, ushort GsoSize, ushort ChecksumStart, ushort ChecksumOffset)
{
    public const int Size = 10;

    /// <summary>VIRTIO_NET_HDR_F_NEEDS_CSUM: the checksum at start+offset holds only the pseudo-header sum.</summary>
    public const byte FlagNeedsChecksum = 1;

    /// <summary>VIRTIO_NET_HDR_F_DATA_VALID: the device already checked the checksum.</summary>
    public const byte FlagDataValid = 2;

    public const byte GsoNone = 0;
    public const byte GsoTcpV4 = 1;
    public const byte GsoUdp = 3;
    public const byte GsoTcpV6 = 4;
    public const byte GsoUdpL4 = 5;

    /// <summary>VIRTIO_NET_HDR_GSO_ECN: the segments carry CWR (only the first keeps it).</summary>
    public const byte GsoEcn = 0x80;

    /// <summary>No offload: a complete frame with valid checksums.</summary>
    public static VirtioNetHeader None => default;

    public bool NeedsChecksum => (Flags & FlagNeedsChecksum) != 0;

    /// <summary>The GSO kind without the ECN bit.</summary>
    public byte GsoKind => (byte)(GsoType & ~GsoEcn);

    public bool IsGso => GsoKind != GsoNone;

    public static bool TryParse(ReadOnlySpan<byte> source, out VirtioNetHeader header)
    {
        if (source.Length < Size)
        {
            header = default;
            return false;
        }

        header = new VirtioNetHeader(
            source[0],
            source[1],
            BinaryPrimitives.ReadUInt16LittleEndian(source[2..]),
            BinaryPrimitives.ReadUInt16LittleEndian(source[4..]),
            BinaryPrimitives.ReadUInt16LittleEndian(source[6..]),
            BinaryPrimitives.ReadUInt16LittleEndian(source[8..]));
        return true;
    }

    public void Write(Span<byte> destination)
    {
        destination[0] = Flags;
        destination[1] = GsoType;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], HeaderLength);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], GsoSize);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], ChecksumStart);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], ChecksumOffset);
    }
}
