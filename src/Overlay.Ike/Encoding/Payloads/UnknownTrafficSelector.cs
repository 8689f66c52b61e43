namespace Overlay.Ike.Encoding.Payloads;

/// <summary>
/// A traffic selector of a type this implementation does not understand (RFC 7296 §3.13.1
/// leaves new types to IANA). Kept byte for byte so the message round-trips and policy can
/// answer TS_UNACCEPTABLE.
/// </summary>
public sealed record UnknownTrafficSelector(byte RawType, byte SecondOctet, byte[] Body) : TrafficSelector
{
    public override TrafficSelectorType Type => (TrafficSelectorType)RawType;

    public override int GetEncodedLength() => HeaderLength + Body.Length;

    internal static bool TryReadBody(ref IkeReader r, byte type, byte second, out TrafficSelector value)
    {
        value = new UnknownTrafficSelector(type, second, r.ReadToEnd().ToArray());
        return true;
    }

    public override void Write(ref IkeWriter w)
    {
        WriteHeader(ref w, SecondOctet);
        w.WriteBytes(Body);
    }

    public override IkeParseError Validate() => IkeParseError.None;
}
