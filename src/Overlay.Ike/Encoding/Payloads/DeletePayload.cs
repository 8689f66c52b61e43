namespace Overlay.Ike.Encoding.Payloads;

/// <summary>
/// Delete payload, D (RFC 7296 §3.11).
/// <code>
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Next Payload  |C|  RESERVED   |         Payload Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Protocol ID   |   SPI Size    |          Num of SPIs          |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~               Security Parameter Index(es) (SPI)              ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Deleting the IKE SA uses protocol 1 with SPI size 0 and no SPIs; ESP/AH SPIs are 4 octets.
/// </summary>
public sealed record DeletePayload(IkeProtocolId Protocol, byte SpiSize, IReadOnlyList<byte[]> Spis) : IIkePayload<DeletePayload>
{
    public IkePayloadType PayloadType => IkePayloadType.Delete;

    public static DeletePayload IkeSa() => new(IkeProtocolId.Ike, 0, []);

    public int GetEncodedLength() => 4 + SpiSize * Spis.Count;

    public static bool TryRead(ref IkeReader r, out DeletePayload value)
    {
        value = null!;
        if (!r.TryReadByte(out var protocol) || !r.TryReadByte(out var spiSize) || !r.TryReadUInt16(out var count))
        {
            return r.Fail("truncated delete payload", IkePayloadType.Delete);
        }

        // SPI Size is 0 (IKE, no SPIs) or 4 (ESP/AH) (§3.11). Checking it here, before anything is
        // allocated, keeps Num of SPIs from sizing memory: with SPI Size 0 a count of 65535 would
        // otherwise reserve 512 KiB for an 8-octet payload. After these checks count ≤ Remaining / 4.
        if (spiSize is not (0 or IkeConstants.ChildSpiLength) || (spiSize == 0 && count != 0))
        {
            return r.Fail("delete SPI size is neither 0 without SPIs nor 4", IkePayloadType.Delete);
        }

        if (spiSize * count != r.Remaining)
        {
            return r.Fail("delete SPI size times count does not match the payload length", IkePayloadType.Delete);
        }

        var spis = new List<byte[]>(count);
        for (var i = 0; i < count; i++)
        {
            r.TryReadBytes(spiSize, out var spi);
            spis.Add(spi.ToArray());
        }

        value = new DeletePayload((IkeProtocolId)protocol, spiSize, spis);
        return true;
    }

    public void Write(ref IkeWriter w)
    {
        w.WriteByte((byte)Protocol);
        w.WriteByte(SpiSize);
        w.WriteUInt16(checked((ushort)Spis.Count));
        foreach (var spi in Spis)
        {
            w.WriteBytes(spi);
        }
    }

    public IkeParseError Validate()
    {
        var ok = Protocol switch
        {
            IkeProtocolId.Ike => SpiSize == 0 && Spis.Count == 0,
            IkeProtocolId.Esp or IkeProtocolId.Ah => SpiSize == IkeConstants.ChildSpiLength && Spis.Count > 0,
            _ => false,
        };
        foreach (var spi in Spis)
        {
            ok &= spi.Length == SpiSize;
        }

        return ok ? IkeParseError.None : IkeParseError.Syntax("delete SPI size does not fit its protocol", IkePayloadType.Delete);
    }
}
