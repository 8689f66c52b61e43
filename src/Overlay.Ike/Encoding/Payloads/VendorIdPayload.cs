namespace Overlay.Ike.Encoding.Payloads;

/// <summary>
/// Vendor ID payload, V (RFC 7296 §3.12).
/// <code>
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Next Payload  |C|  RESERVED   |         Payload Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                        Vendor ID (VID)                        ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// </summary>
public sealed record VendorIdPayload(byte[] VendorId) : IIkePayload<VendorIdPayload>
{
    public IkePayloadType PayloadType => IkePayloadType.VendorId;

    public int GetEncodedLength() => VendorId.Length;

    public static bool TryRead(ref IkeReader r, out VendorIdPayload value)
    {
        value = new VendorIdPayload(r.ReadToEnd().ToArray());
        return true;
    }

    public void Write(ref IkeWriter w) => w.WriteBytes(VendorId);

    public IkeParseError Validate() => IkeParseError.None;
}
