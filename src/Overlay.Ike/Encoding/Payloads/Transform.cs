namespace Overlay.Ike.Encoding.Payloads;

/// <summary>
/// A transform substructure inside a proposal (RFC 7296 §3.3.2).
/// <code>
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Last Substruc |   RESERVED    |        Transform Length       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |Transform Type |   RESERVED    |          Transform ID         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                      Transform Attributes                     ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Last Substruc is 0 for the last transform of a proposal and 3 otherwise (§3.3.2).
/// </summary>
public sealed record Transform(TransformType Type, ushort Id, IReadOnlyList<TransformAttribute> Attributes)
{
    public const byte MoreFollows = 3;
    private const int FixedLength = 8;

    public Transform(TransformType type, ushort id) : this(type, id, []) { }

    /// <summary>The Key Length attribute in bits, or null when the transform has none.</summary>
    public int? KeyLengthBits
    {
        get
        {
            foreach (var a in Attributes)
            {
                if (a.IsTv && a.AttributeType == (ushort)TransformAttributeType.KeyLength)
                {
                    return a.TvValue;
                }
            }

            return null;
        }
    }

    public int GetEncodedLength()
    {
        var length = FixedLength;
        foreach (var a in Attributes)
        {
            length += a.GetEncodedLength();
        }

        return length;
    }

    /// <summary>Reads one transform; <paramref name="isLast"/> reports the Last Substruc field.</summary>
    public static bool TryRead(ref IkeReader r, out Transform value, out bool isLast)
    {
        value = null!;
        isLast = false;
        if (!r.TryReadByte(out var last) || !r.TrySkip(1) || !r.TryReadUInt16(out var length))
        {
            return r.Fail("truncated transform", IkePayloadType.SecurityAssociation);
        }

        if (last != 0 && last != MoreFollows)
        {
            return r.Fail("transform Last Substruc is neither 0 nor 3", IkePayloadType.SecurityAssociation);
        }

        if (length < FixedLength || !r.TrySlice(length - 4, out var body))
        {
            return r.Fail("transform length out of range", IkePayloadType.SecurityAssociation);
        }

        body.TryReadByte(out var type);
        body.TrySkip(1);
        body.TryReadUInt16(out var id);
        var attributes = new List<TransformAttribute>();
        while (!body.IsEmpty)
        {
            if (!TransformAttribute.TryRead(ref body, out var attribute))
            {
                return r.Fail(body.Error);
            }

            attributes.Add(attribute);
        }

        isLast = last == 0;
        value = new Transform((TransformType)type, id, attributes);
        return true;
    }

    public void Write(ref IkeWriter w, bool isLast)
    {
        w.WriteByte(isLast ? (byte)0 : MoreFollows);
        w.WriteByte(0);
        w.WriteUInt16(checked((ushort)GetEncodedLength()));
        w.WriteByte((byte)Type);
        w.WriteByte(0);
        w.WriteUInt16(Id);
        foreach (var a in Attributes)
        {
            a.Write(ref w);
        }
    }
}
