namespace Overlay.Ike.Encoding.Payloads;

/// <summary>
/// Encrypted and Authenticated payload, SK (RFC 7296 §3.14).
/// <code>
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Next Payload  |C|  RESERVED   |         Payload Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     Initialization Vector                     |
/// |         (length is block size for encryption algorithm)       |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                    Encrypted IKE Payloads                     ~
/// +               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |               |             Padding (0-255 octets)            |
/// +-+-+-+-+-+-+-+-+                               +-+-+-+-+-+-+-+-+
/// |                                               |  Pad Length   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                    Integrity Checksum Data                    ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// The SK payload is always last; its Next Payload field names the first payload inside
/// (<see cref="FirstInnerPayload"/>). The encoding layer keeps the protected body opaque; the
/// Crypto layer's SK protectors turn it into plaintext and back.
/// </summary>
public sealed record EncryptedPayload(IkePayloadType FirstInnerPayload, byte[] Body) : IIkePayload<EncryptedPayload>
{
    public IkePayloadType PayloadType => IkePayloadType.Encrypted;

    public int GetEncodedLength() => Body.Length;

    public static bool TryRead(ref IkeReader r, out EncryptedPayload value)
    {
        // FirstInnerPayload comes from the generic header; the message parser fills it in.
        value = new EncryptedPayload(IkePayloadType.NoNextPayload, r.ReadToEnd().ToArray());
        return true;
    }

    public void Write(ref IkeWriter w) => w.WriteBytes(Body);

    public IkeParseError Validate()
        => Body.Length == 0
            ? IkeParseError.Syntax("empty SK payload", IkePayloadType.Encrypted)
            : IkeParseError.None;
}
