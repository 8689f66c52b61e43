namespace Overlay.Ike.Encoding.Payloads;

/// <summary>
/// One Traffic Selector inside a TSi/TSr payload (RFC 7296 §3.13.1). All types share a
/// four-octet header: TS Type, one type-specific octet, and Selector Length, which counts the
/// whole selector including that header. Types we do not know are kept as
/// <see cref="UnknownTrafficSelector"/> so policy, not the parser, decides (RFC 9478 §3: a peer
/// that does not understand TS_SECLABEL answers TS_UNACCEPTABLE rather than INVALID_SYNTAX).
/// </summary>
public abstract record TrafficSelector
{
    /// <summary>TS Type + type-specific octet + Selector Length.</summary>
    public const int HeaderLength = 4;

    public abstract TrafficSelectorType Type { get; }

    /// <summary>Whole selector length including its header (the Selector Length field).</summary>
    public abstract int GetEncodedLength();

    public abstract void Write(ref IkeWriter w);

    public abstract IkeParseError Validate();

    /// <summary>Reads one selector, dispatching on TS Type; the Selector Length must fit the bytes left.</summary>
    public static bool TryRead(ref IkeReader r, IkePayloadType payload, out TrafficSelector value)
    {
        value = null!;
        if (!r.TryReadByte(out var type) || !r.TryReadByte(out var second) || !r.TryReadUInt16(out var length))
        {
            return r.Fail("truncated traffic selector", payload);
        }

        if (length < HeaderLength || !r.TrySlice(length - HeaderLength, out var body))
        {
            return r.Fail("traffic selector length out of range", payload);
        }

        var ok = (TrafficSelectorType)type switch
        {
            TrafficSelectorType.Ipv4AddressRange or TrafficSelectorType.Ipv6AddressRange
                => AddressRangeSelector.TryReadBody(ref body, (TrafficSelectorType)type, second, payload, out value),
            TrafficSelectorType.SecurityLabel => SecurityLabelSelector.TryReadBody(ref body, payload, out value),
            _ => UnknownTrafficSelector.TryReadBody(ref body, type, second, out value),
        };
        return ok || r.Fail(body.Error);
    }

    /// <summary>Writes the common header; <paramref name="second"/> is the IP Protocol ID or Reserved octet.</summary>
    protected void WriteHeader(ref IkeWriter w, byte second)
    {
        w.WriteByte((byte)Type);
        w.WriteByte(second);
        w.WriteUInt16(checked((ushort)GetEncodedLength()));
    }
}
