namespace Overlay.Ike.Encoding.Payloads;

/// <summary>
/// Certificate Request payload, CERTREQ (RFC 7296 §3.7).
/// <code>
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Next Payload  |C|  RESERVED   |         Payload Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Cert Encoding |                                               |
/// +-+-+-+-+-+-+-+-+                                               |
/// ~                    Certification Authority                    ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// For X.509 the authority field is a concatenation of 20-octet SHA-1 hashes of CA public keys (§3.7).
/// </summary>
public sealed record CertificateRequestPayload(CertificateEncoding Encoding, byte[] CertificationAuthority)
    : IIkePayload<CertificateRequestPayload>
{
    private const int Sha1Length = 20;

    public IkePayloadType PayloadType => IkePayloadType.CertificateRequest;

    public int GetEncodedLength() => 1 + CertificationAuthority.Length;

    public static bool TryRead(ref IkeReader r, out CertificateRequestPayload value)
    {
        value = null!;
        if (!r.TryReadByte(out var encoding))
        {
            return r.Fail("truncated CERTREQ payload", IkePayloadType.CertificateRequest);
        }

        value = new CertificateRequestPayload((CertificateEncoding)encoding, r.ReadToEnd().ToArray());
        return true;
    }

    public void Write(ref IkeWriter w)
    {
        w.WriteByte((byte)Encoding);
        w.WriteBytes(CertificationAuthority);
    }

    public IkeParseError Validate()
        => Encoding == CertificateEncoding.X509Signature && CertificationAuthority.Length % Sha1Length != 0
            ? IkeParseError.Syntax("X.509 CERTREQ authority is not a list of SHA-1 hashes", IkePayloadType.CertificateRequest)
            : IkeParseError.None;
}
