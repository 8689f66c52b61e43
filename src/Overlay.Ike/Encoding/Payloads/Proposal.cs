namespace Overlay.Ike.Encoding.Payloads;

/// <summary>
/// A proposal substructure inside an SA payload (RFC 7296 §3.3.1).
/// <code>
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Last Substruc |   RESERVED    |         Proposal Length       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Proposal Num  |  Protocol ID  |    SPI Size   |Num  Transforms|
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                        SPI (variable)                         ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                        &lt;Transforms&gt;                           ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Last Substruc is 0 for the last proposal and 2 otherwise.
/// </summary>
public sealed record Proposal(byte Number, IkeProtocolId Protocol, byte[] Spi, IReadOnlyList<Transform> Transforms)
{
    public const byte MoreFollows = 2;
    private const int FixedLength = 8;

    public int GetEncodedLength()
    {
        var length = FixedLength + Spi.Length;
        foreach (var t in Transforms)
        {
            length += t.GetEncodedLength();
        }

        return length;
    }

    /// <summary>The first transform of <paramref name="type"/>, or null.</summary>
    public Transform? Find(TransformType type)
    {
        foreach (var t in Transforms)
        {
            if (t.Type == type)
            {
                return t;
            }
        }

        return null;
    }

    public static bool TryRead(ref IkeReader r, out Proposal value, out bool isLast)
    {
        value = null!;
        isLast = false;
        if (!r.TryReadByte(out var last) || !r.TrySkip(1) || !r.TryReadUInt16(out var length))
        {
            return r.Fail("truncated proposal", IkePayloadType.SecurityAssociation);
        }

        if (last != 0 && last != MoreFollows)
        {
            return r.Fail("proposal Last Substruc is neither 0 nor 2", IkePayloadType.SecurityAssociation);
        }

        if (length < FixedLength || !r.TrySlice(length - 4, out var body))
        {
            return r.Fail("proposal length out of range", IkePayloadType.SecurityAssociation);
        }

        body.TryReadByte(out var number);
        body.TryReadByte(out var protocol);
        body.TryReadByte(out var spiSize);
        body.TryReadByte(out var count);
        if (!body.TryReadBytes(spiSize, out var spi))
        {
            return r.Fail("proposal SPI size runs past the proposal", IkePayloadType.SecurityAssociation);
        }

        // Room for the transforms actually present (8 octets each at least), not for what Num Transforms claims.
        var transforms = new List<Transform>(Math.Min(count, body.Remaining / FixedLength));
        var sawLast = false;
        while (!body.IsEmpty)
        {
            if (sawLast)
            {
                return r.Fail("bytes after the last transform", IkePayloadType.SecurityAssociation);
            }

            if (!Transform.TryRead(ref body, out var transform, out sawLast))
            {
                return r.Fail(body.Error);
            }

            transforms.Add(transform);
        }

        if (transforms.Count != count || (count > 0 && !sawLast))
        {
            return r.Fail("Num Transforms does not match the transforms present", IkePayloadType.SecurityAssociation);
        }

        isLast = last == 0;
        value = new Proposal(number, (IkeProtocolId)protocol, spi.ToArray(), transforms);
        return true;
    }

    public void Write(ref IkeWriter w, bool isLast)
    {
        w.WriteByte(isLast ? (byte)0 : MoreFollows);
        w.WriteByte(0);
        w.WriteUInt16(checked((ushort)GetEncodedLength()));
        w.WriteByte(Number);
        w.WriteByte((byte)Protocol);
        w.WriteByte(checked((byte)Spi.Length));
        w.WriteByte(checked((byte)Transforms.Count));
        w.WriteBytes(Spi);
        for (var i = 0; i < Transforms.Count; i++)
        {
            Transforms[i].Write(ref w, i == Transforms.Count - 1);
        }
    }

    /// <summary>
    /// §3.3.1: SPI size is 0 (IKE_SA_INIT) or 8 for IKE, 4 for ESP/AH; IKE proposals need
    /// ENCR, PRF and KE; ESP needs ENCR.
    /// </summary>
    public IkeParseError Validate()
    {
        var spiOk = Protocol switch
        {
            IkeProtocolId.Ike => Spi.Length is 0 or IkeConstants.IkeSpiLength,
            IkeProtocolId.Esp or IkeProtocolId.Ah => Spi.Length == IkeConstants.ChildSpiLength,
            _ => false,
        };
        if (!spiOk)
        {
            return IkeParseError.Syntax("proposal SPI size does not fit its protocol", IkePayloadType.SecurityAssociation);
        }

        if (Transforms.Count == 0)
        {
            return IkeParseError.Syntax("proposal has no transforms", IkePayloadType.SecurityAssociation);
        }

        if (Protocol == IkeProtocolId.Ike && (Find(TransformType.Encryption) is null || Find(TransformType.Prf) is null))
        {
            return IkeParseError.Syntax("IKE proposal lacks ENCR or PRF", IkePayloadType.SecurityAssociation);
        }

        if (Protocol == IkeProtocolId.Esp && Find(TransformType.Encryption) is null)
        {
            return IkeParseError.Syntax("ESP proposal lacks ENCR", IkePayloadType.SecurityAssociation);
        }

        return IkeParseError.None;
    }
}
