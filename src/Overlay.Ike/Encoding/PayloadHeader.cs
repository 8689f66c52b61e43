using System.Buffers.Binary;

namespace Overlay.Ike.Encoding;

/// <summary>
/// The generic payload header every payload starts with (RFC 7296 §3.2).
/// <code>
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Next Payload  |C|  RESERVED   |         Payload Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Payload Length includes these four octets.
/// </summary>
public readonly record struct PayloadHeader(IkePayloadType NextPayload, bool Critical, ushort PayloadLength)
{
    /// <summary>Reads the header and checks the length against the protocol minimum and the bytes left.</summary>
    public static bool TryRead(ref IkeReader r, IkePayloadType thisPayload, out PayloadHeader header)
    {
        header = default;
        if (r.Remaining < IkeConstants.GenericPayloadHeaderLength)
        {
            return r.Fail("truncated generic payload header", thisPayload);
        }

        r.TryReadByte(out var next);
        r.TryReadByte(out var flags);
        r.TryReadUInt16(out var length);
        header = new PayloadHeader((IkePayloadType)next, (flags & IkeConstants.CriticalBit) != 0, length);
        if (length < IkeConstants.GenericPayloadHeaderLength)
        {
            // A zero length would loop forever in naive parsers; it is malformed (§3.2).
            return r.Fail("payload length smaller than its header", thisPayload);
        }

        if (length - IkeConstants.GenericPayloadHeaderLength > r.Remaining)
        {
            return r.Fail("payload length runs past the end of the message", thisPayload);
        }

        return true;
    }

    /// <summary>Writes a header; the reserved bits are always zero (§3.2: MUST be sent as zero).</summary>
    public static void Write(ref IkeWriter w, IkePayloadType next, bool critical, int payloadLength)
    {
        var span = w.Reserve(IkeConstants.GenericPayloadHeaderLength);
        span[0] = (byte)next;
        span[1] = critical ? IkeConstants.CriticalBit : (byte)0;
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], checked((ushort)payloadLength));
    }
}
