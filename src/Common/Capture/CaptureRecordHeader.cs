using System.Buffers.Binary;

namespace Overlay.Common.Capture;

/// <summary>What a record of the capture stream carries.</summary>
internal enum CaptureRecordType : byte
{
    /// <summary>A <see cref="CaptureFrameHeader"/> and the captured octets.</summary>
    Frame = 1,

    /// <summary>A <see cref="CaptureEndpointName"/>: the name of a port or peer that frames refer to by id.</summary>
    EndpointName = 2,

    /// <summary>The capture's summary, <c>{"summary":{…}}</c> as UTF-8 JSON text; the last record.</summary>
    Summary = 3,
}

/// <summary>
/// The 4 octets before every record of the capture stream, which follows the capture's JSON header line on the
/// control connection (docs/cli.md): type (1 octet), 0 (1 octet), body length (2 octets, big-endian). Binary
/// records instead of JSON lines: a capture beside a full-rate flow costs the host's CPU per frame, and a frame
/// record is one copy of its octets on either side, where a JSON line is base64 written, scanned and decoded.
/// </summary>
internal readonly record struct CaptureRecordHeader(CaptureRecordType Type, int BodyLength)
{
    public const int Length = 4;

    /// <summary>The capture header line's <c>records</c>: the name of this format, written by the daemon, checked by tvdctl.</summary>
    public const string Format = "tvd-capture-1";

    /// <summary>The largest body the 2-octet length can say; a reader needs no more buffer than this.</summary>
    public const int MaxBodyLength = ushort.MaxValue;

    /// <summary>False when fewer than <see cref="Length"/> octets are given, the reserved octet is not 0, or the type is unknown.</summary>
    public static bool TryParse(ReadOnlySpan<byte> source, out CaptureRecordHeader header)
    {
        header = default;
        if (source.Length < Length || source[1] != 0 || !Enum.IsDefined((CaptureRecordType)source[0]))
        {
            return false;
        }

        header = new CaptureRecordHeader((CaptureRecordType)source[0], BinaryPrimitives.ReadUInt16BigEndian(source[2..]));
        return true;
    }

    public void Write(Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)BodyLength, (uint)MaxBodyLength, nameof(BodyLength));
        destination[0] = (byte)Type;
        destination[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)BodyLength);
    }
}
