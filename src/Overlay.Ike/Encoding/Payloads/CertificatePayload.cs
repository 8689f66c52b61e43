namespace Overlay.Ike.Encoding.Payloads;

/// <summary>
/// Certificate payload, CERT (RFC 7296 §3.6).
/// <code>
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Next Payload  |C|  RESERVED   |         Payload Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Cert Encoding |                                               |
/// +-+-+-+-+-+-+-+-+                                               |
/// ~                       Certificate Data                        ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public sealed record CertificatePayload(CertificateEncoding Encoding, byte[] Data) : IIkePayload<CertificatePayload>
{
    public IkePayloadType PayloadType => IkePayloadType.Certificate;

    public int GetEncodedLength() => 1 + Data.Length;

    public static bool TryRead(ref IkeReader r, out CertificatePayload value)
    {
        value = null!;
        if (!r.TryReadByte(out var encoding))
        {
            return r.Fail("truncated CERT payload", IkePayloadType.Certificate);
        }

        value = new CertificatePayload((CertificateEncoding)encoding, r.ReadToEnd().ToArray());
        return true;
    }

    public void Write(ref IkeWriter w)
    {
        w.WriteByte((byte)Encoding);
        w.WriteBytes(Data);
    }

    public IkeParseError Validate()
        => Data.Length == 0
            ? IkeParseError.Syntax("CERT payload without certificate data", IkePayloadType.Certificate)
            : IkeParseError.None;
}
