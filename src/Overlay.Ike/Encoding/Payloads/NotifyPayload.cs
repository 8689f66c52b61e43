using System.Buffers.Binary;

namespace Overlay.Ike.Encoding.Payloads;

/// <summary>
/// Notify payload, N (RFC 7296 §3.10; the type table is <see cref="NotifyType"/>, §3.10.1).
/// <code>
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Next Payload  |C|  RESERVED   |         Payload Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  Protocol ID  |   SPI Size    |      Notify Message Type      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                Security Parameter Index (SPI)                 ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                       Notification Data                       ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public sealed record NotifyPayload(IkeProtocolId Protocol, byte[] Spi, NotifyType Type, byte[] Data) : IIkePayload<NotifyPayload>
{
    public NotifyPayload(NotifyType type, byte[] data) : this(IkeProtocolId.None, [], type, data) { }

    public NotifyPayload(NotifyType type) : this(IkeProtocolId.None, [], type, []) { }

    public IkePayloadType PayloadType => IkePayloadType.Notify;

    public bool IsError => NotifyTypeRanges.IsError(Type);

    public int GetEncodedLength() => 4 + Spi.Length + Data.Length;

    public static bool TryRead(ref IkeReader r, out NotifyPayload value)
    {
        value = null!;
        if (!r.TryReadByte(out var protocol) || !r.TryReadByte(out var spiSize) || !r.TryReadUInt16(out var type))
        {
            return r.Fail("truncated notify payload", IkePayloadType.Notify);
        }

        if (!r.TryReadBytes(spiSize, out var spi))
        {
            return r.Fail("notify SPI size runs past the payload", IkePayloadType.Notify);
        }

        value = new NotifyPayload((IkeProtocolId)protocol, spi.ToArray(), (NotifyType)type, r.ReadToEnd().ToArray());
        return true;
    }

    public void Write(ref IkeWriter w)
    {
        w.WriteByte((byte)Protocol);
        w.WriteByte(checked((byte)Spi.Length));
        w.WriteUInt16((ushort)Type);
        w.WriteBytes(Spi);
        w.WriteBytes(Data);
    }

    /// <summary>
    /// Checks the data size of the notifies whose format RFCs fix: INVALID_KE_PAYLOAD carries a
    /// 2-octet group (§3.10.1), NAT_DETECTION_* a 20-octet SHA-1 (§2.23), COOKIE 1–64 octets (§2.6),
    /// SIGNATURE_HASH_ALGORITHMS a list of 2-octet ids (RFC 7427 §4), and the SPI size fits the protocol.
    /// </summary>
    public IkeParseError Validate()
    {
        var ok = Type switch
        {
            NotifyType.InvalidKePayload => Data.Length == 2,
            NotifyType.NatDetectionSourceIp or NotifyType.NatDetectionDestinationIp => Data.Length == 20,
            NotifyType.Cookie => Data.Length is >= 1 and <= 64,
            NotifyType.SignatureHashAlgorithms => Data.Length % 2 == 0,
            NotifyType.Ikev2FragmentationSupported => Data.Length == 0,
            _ => true,
        };
        ok &= Protocol switch
        {
            IkeProtocolId.None => Spi.Length == 0,
            IkeProtocolId.Ike => Spi.Length is 0 or IkeConstants.IkeSpiLength,
            IkeProtocolId.Esp or IkeProtocolId.Ah => Spi.Length == IkeConstants.ChildSpiLength,
            _ => false,
        };
        return ok ? IkeParseError.None : IkeParseError.Syntax("notify data or SPI does not fit its type", IkePayloadType.Notify);
    }

    /// <summary>The group a responder asks for in INVALID_KE_PAYLOAD (§1.2), or None.</summary>
    public KeyExchangeMethod RequestedGroup
        => Type == NotifyType.InvalidKePayload && Data.Length == 2
            ? (KeyExchangeMethod)BinaryPrimitives.ReadUInt16BigEndian(Data)
            : KeyExchangeMethod.None;

    /// <summary>An INVALID_KE_PAYLOAD notify naming <paramref name="group"/>.</summary>
    public static NotifyPayload InvalidKe(KeyExchangeMethod group)
    {
        var data = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(data, (ushort)group);
        return new NotifyPayload(NotifyType.InvalidKePayload, data);
    }
}
