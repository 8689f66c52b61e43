namespace Overlay.Ike.Encoding;

/// <summary>
/// The IKE header (RFC 7296 §3.1).
/// <code>
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                       IKE SA Initiator's SPI                  |
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                       IKE SA Responder's SPI                  |
/// |                                                               |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Next Payload | MjVer | MnVer | Exchange Type |     Flags     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                          Message ID                           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                            Length                             |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public readonly record struct IkeHeader(
    ulong InitiatorSpi,
    ulong ResponderSpi,
    IkePayloadType NextPayload,
    IkeExchangeType ExchangeType,
    IkeHeaderFlags Flags,
    uint MessageId,
    uint Length)
{
    public bool IsResponse => (Flags & IkeHeaderFlags.Response) != 0;

    public bool IsFromOriginalInitiator => (Flags & IkeHeaderFlags.Initiator) != 0;

    /// <summary>
    /// Reads the 28-octet header. A major version other than 2 fails with INVALID_MAJOR_VERSION
    /// (RFC 7296 §2.5); a minor version is accepted (it must be ignored). Undefined flag bits
    /// are ignored on receipt (§3.1) but kept, so the header round-trips.
    /// </summary>
    public static bool TryRead(ref IkeReader r, out IkeHeader header)
    {
        header = default;
        if (r.Remaining < IkeConstants.HeaderLength)
        {
            return r.Fail("truncated IKE header");
        }

        r.TryReadUInt64(out var spiI);
        r.TryReadUInt64(out var spiR);
        r.TryReadByte(out var next);
        r.TryReadByte(out var version);
        r.TryReadByte(out var exchange);
        r.TryReadByte(out var flags);
        r.TryReadUInt32(out var messageId);
        r.TryReadUInt32(out var length);
        if (version >> 4 != IkeConstants.Version >> 4)
        {
            return r.Fail(new IkeParseError(NotifyType.InvalidMajorVersion, "major version is not 2"));
        }

        header = new IkeHeader(spiI, spiR, (IkePayloadType)next, (IkeExchangeType)exchange, (IkeHeaderFlags)flags, messageId, length);
        if (length < IkeConstants.HeaderLength || length > IkeConstants.MaxMessageLength)
        {
            return r.Fail("IKE header length out of range");
        }

        return true;
    }

    /// <summary>Writes the header; version is always written as 2.0.</summary>
    public void Write(ref IkeWriter w)
    {
        w.WriteUInt64(InitiatorSpi);
        w.WriteUInt64(ResponderSpi);
        w.WriteByte((byte)NextPayload);
        w.WriteByte(IkeConstants.Version);
        w.WriteByte((byte)ExchangeType);
        w.WriteByte((byte)Flags);
        w.WriteUInt32(MessageId);
        w.WriteUInt32(Length);
    }
}
