namespace Overlay.Ike.Encoding.Payloads;

/// <summary>
/// Traffic Selector payloads, TSi and TSr (RFC 7296 §3.13).
/// <code>
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Next Payload  |C|  RESERVED   |         Payload Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Number of TSs |                 RESERVED                      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                       &lt;Traffic Selectors&gt;                       ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// With RFC 9478 a payload may hold address ranges and TS_SECLABEL selectors together.
/// </summary>
public sealed record TrafficSelectorPayload(bool IsInitiator, IReadOnlyList<TrafficSelector> Selectors) : IIkePayload
{
    public IkePayloadType PayloadType => IsInitiator ? IkePayloadType.TrafficSelectorInitiator : IkePayloadType.TrafficSelectorResponder;

    /// <summary>The TS_SECLABEL selectors' labels, as text.</summary>
    public IEnumerable<string> SecurityLabels => Selectors.OfType<SecurityLabelSelector>().Select(s => s.Text);

    public int GetEncodedLength()
    {
        var length = 4;
        foreach (var s in Selectors)
        {
            length += s.GetEncodedLength();
        }

        return length;
    }

    /// <summary>Reads a TS body; <paramref name="isInitiator"/> says whether it arrived as TSi or TSr.</summary>
    public static bool TryRead(ref IkeReader r, bool isInitiator, out TrafficSelectorPayload value)
    {
        value = null!;
        var type = isInitiator ? IkePayloadType.TrafficSelectorInitiator : IkePayloadType.TrafficSelectorResponder;
        if (!r.TryReadByte(out var count) || !r.TrySkip(3))
        {
            return r.Fail("truncated TS payload", type);
        }

        // Room for the selectors actually present (4 octets each at least), not for what Number of TSs claims.
        var selectors = new List<TrafficSelector>(Math.Min(count, r.Remaining / TrafficSelector.HeaderLength));
        while (!r.IsEmpty)
        {
            if (!TrafficSelector.TryRead(ref r, type, out var selector))
            {
                return false;
            }

            selectors.Add(selector);
        }

        if (selectors.Count != count)
        {
            return r.Fail("Number of TSs does not match the selectors present", type);
        }

        value = new TrafficSelectorPayload(isInitiator, selectors);
        return true;
    }

    public void Write(ref IkeWriter w)
    {
        w.WriteByte(checked((byte)Selectors.Count));
        w.WriteZeros(3);
        foreach (var s in Selectors)
        {
            s.Write(ref w);
        }
    }

    public IkeParseError Validate()
    {
        if (Selectors.Count == 0)
        {
            return IkeParseError.Syntax("TS payload without selectors", PayloadType);
        }

        foreach (var s in Selectors)
        {
            var error = s.Validate();
            if (error.IsError)
            {
                return error with { PayloadType = PayloadType };
            }
        }

        return IkeParseError.None;
    }
}
