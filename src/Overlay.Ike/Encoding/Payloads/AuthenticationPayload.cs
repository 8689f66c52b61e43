namespace Overlay.Ike.Encoding.Payloads;

/// <summary>
/// Authentication payload, AUTH (RFC 7296 §3.8).
/// <code>
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Next Payload  |C|  RESERVED   |         Payload Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Auth Method   |                RESERVED                       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                      Authentication Data                      ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public sealed record AuthenticationPayload(AuthMethod Method, byte[] Data) : IIkePayload<AuthenticationPayload>
{
    public IkePayloadType PayloadType => IkePayloadType.Authentication;

    public int GetEncodedLength() => 4 + Data.Length;

    public static bool TryRead(ref IkeReader r, out AuthenticationPayload value)
    {
        value = null!;
        if (!r.TryReadByte(out var method) || !r.TrySkip(3))
        {
            return r.Fail("truncated AUTH payload", IkePayloadType.Authentication);
        }

        value = new AuthenticationPayload((AuthMethod)method, r.ReadToEnd().ToArray());
        return true;
    }

    public void Write(ref IkeWriter w)
    {
        w.WriteByte((byte)Method);
        w.WriteZeros(3);
        w.WriteBytes(Data);
    }

    public IkeParseError Validate()
        => Data.Length == 0
            ? IkeParseError.Syntax("AUTH payload without authentication data", IkePayloadType.Authentication)
            : IkeParseError.None;
}
