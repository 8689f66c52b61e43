using System.Buffers.Binary;

namespace Overlay.DataPlane.Frames;

/// <summary>
/// The 2-byte EtherIP header in front of every tunnelled Ethernet frame, RFC 3378 §3:
/// <code>
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |VERSION|       RESERVED        |     VERSION = 3, RESERVED = 0
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// A receiver drops a header whose version is not 3 (RFC 3378 §3); the reserved bits are sent as
/// zero and ignored on receipt.
/// </summary>
public static class EtherIpHeader
{
    public const int Size = 2;
    public const byte Version = 3;
    public const ushort Value = Version << 12;

    public static bool TryWrite(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            return false;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination, Value);
        return true;
    }

    /// <summary>True when at least 2 bytes are present and the version nibble is 3.</summary>
    public static bool IsValid(ReadOnlySpan<byte> header) => header.Length >= Size && header[0] >> 4 == Version;
}
