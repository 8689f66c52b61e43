namespace Overlay.Ike.Encoding.Payloads;

/// <summary>
/// A transform attribute (RFC 7296 §3.3.5).
/// <code>
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |A|       Attribute Type        |    AF=0  Attribute Length     |
/// |F|                             |    AF=1  Attribute Value      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                   AF=0  Attribute Value                       |
/// |                   AF=1  Not Transmitted                       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// The only attribute RFC 7296 defines is Key Length (14), in TV form, in bits.
/// </summary>
public sealed record TransformAttribute(ushort AttributeType, bool IsTv, ushort TvValue, byte[] TlvValue)
{
    /// <summary>The Key Length attribute (type 14, TV) with a value in bits (§3.3.5).</summary>
    public static TransformAttribute KeyLength(ushort bits)
        => new((ushort)TransformAttributeType.KeyLength, true, bits, []);

    public int GetEncodedLength() => IsTv ? 4 : 4 + TlvValue.Length;

    public static bool TryRead(ref IkeReader r, out TransformAttribute value)
    {
        value = null!;
        if (!r.TryReadUInt16(out var typeField) || !r.TryReadUInt16(out var lengthOrValue))
        {
            return r.Fail("truncated transform attribute", IkePayloadType.SecurityAssociation);
        }

        var type = (ushort)(typeField & ~IkeConstants.AttributeFormatTv);
        if ((typeField & IkeConstants.AttributeFormatTv) != 0)
        {
            value = new TransformAttribute(type, true, lengthOrValue, []);
            return true;
        }

        if (!r.TryReadBytes(lengthOrValue, out var data))
        {
            return r.Fail("transform attribute length runs past its transform", IkePayloadType.SecurityAssociation);
        }

        value = new TransformAttribute(type, false, 0, data.ToArray());
        return true;
    }

    public void Write(ref IkeWriter w)
    {
        if (IsTv)
        {
            w.WriteUInt16((ushort)(AttributeType | IkeConstants.AttributeFormatTv));
            w.WriteUInt16(TvValue);
            return;
        }

        w.WriteUInt16(AttributeType);
        w.WriteUInt16(checked((ushort)TlvValue.Length));
        w.WriteBytes(TlvValue);
    }
}
