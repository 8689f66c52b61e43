namespace Overlay.Ike.Encoding.Payloads;

/// <summary>
/// Nonce payload, Ni/Nr (RFC 7296 §3.9).
/// <code>
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Next Payload  |C|  RESERVED   |         Payload Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                            Nonce Data                         ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Nonce data is 16 to 256 octets (§3.9); the length is checked while reading.
/// </summary>
public sealed record NoncePayload(byte[] Data) : IIkePayload<NoncePayload>
{
    public IkePayloadType PayloadType => IkePayloadType.Nonce;

    public int GetEncodedLength() => Data.Length;

    public static bool TryRead(ref IkeReader r, out NoncePayload value)
    {
        value = null!;
        if (r.Remaining is < IkeConstants.NonceMinLength or > IkeConstants.NonceMaxLength)
        {
            return r.Fail("nonce length outside 16..256 octets", IkePayloadType.Nonce);
        }

        value = new NoncePayload(r.ReadToEnd().ToArray());
        return true;
    }

    public void Write(ref IkeWriter w) => w.WriteBytes(Data);

    public IkeParseError Validate()
        => Data.Length is < IkeConstants.NonceMinLength or > IkeConstants.NonceMaxLength
            ? IkeParseError.Syntax("nonce length outside 16..256 octets", IkePayloadType.Nonce)
            : IkeParseError.None;
}
