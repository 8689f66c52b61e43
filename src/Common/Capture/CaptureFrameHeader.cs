using System.Buffers.Binary;

namespace Overlay.Common.Capture;

/// <summary>
/// The first <see cref="Length"/> octets of a frame record's body; the captured octets follow (the rest of the body).
/// <code>
///  0  8  time the switch forwarded it, nanoseconds since the Unix epoch (UTC), big-endian
///  8  1  ingress kind (1 port, 2 peer)       9  1  egress kind
/// 10  2  targets: endpoints the frame was sent to (above 1: a flood), big-endian
/// 12  4  ingress id                         16  4  egress id (the first target)
/// 20  4  the frame's original length (the captured octets may be fewer: the snap length)
/// </code>
/// </summary>
internal readonly record struct CaptureFrameHeader(long UnixNanoseconds, CaptureEndpointRef Ingress, CaptureEndpointRef Egress, int Targets, int OriginalLength)
{
    public const int Length = 24;

    /// <summary>False when fewer than <see cref="Length"/> octets are given, an endpoint kind is unknown, or a count is out of range.</summary>
    public static bool TryParse(ReadOnlySpan<byte> source, out CaptureFrameHeader header)
    {
        header = default;
        if (source.Length < Length || !CaptureEndpointRef.IsKnownKind(source[8]) || !CaptureEndpointRef.IsKnownKind(source[9]))
        {
            return false;
        }

        int targets = BinaryPrimitives.ReadUInt16BigEndian(source[10..]);
        uint original = BinaryPrimitives.ReadUInt32BigEndian(source[20..]);
        if (targets == 0 || original > int.MaxValue)
        {
            return false;
        }

        header = new CaptureFrameHeader(
            BinaryPrimitives.ReadInt64BigEndian(source),
            new CaptureEndpointRef((CaptureEndpointKind)source[8], BinaryPrimitives.ReadUInt32BigEndian(source[12..])),
            new CaptureEndpointRef((CaptureEndpointKind)source[9], BinaryPrimitives.ReadUInt32BigEndian(source[16..])),
            targets,
            (int)original);
        return true;
    }

    public void Write(Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Targets);
        ArgumentOutOfRangeException.ThrowIfNegative(OriginalLength);
        BinaryPrimitives.WriteInt64BigEndian(destination, UnixNanoseconds);
        destination[8] = (byte)Ingress.Kind;
        destination[9] = (byte)Egress.Kind;
        BinaryPrimitives.WriteUInt16BigEndian(destination[10..], (ushort)Math.Min(Targets, ushort.MaxValue));
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], Ingress.Id);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], Egress.Id);
        BinaryPrimitives.WriteUInt32BigEndian(destination[20..], (uint)OriginalLength);
    }

    /// <summary>UTC ticks (100 ns since 0001-01-01) as nanoseconds since the Unix epoch.</summary>
    public static long UnixNanosecondsOf(long utcTicks) => (utcTicks - DateTime.UnixEpoch.Ticks) * 100;

    public DateTimeOffset Time => DateTimeOffset.UnixEpoch.AddTicks(UnixNanoseconds / 100);
}
