namespace Overlay.Ike.Encoding.Payloads;

/// <summary>
/// Encrypted and Authenticated Fragment payload, SKF (RFC 7383 §2.5).
/// <code>
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Next Payload  |C|  RESERVED   |         Payload Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |        Fragment Number        |        Total Fragments        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                     Initialization Vector                     |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                      Encrypted content                        ~
/// +               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |               |             Padding (0-255 octets)            |
/// +-+-+-+-+-+-+-+-+                               +-+-+-+-+-+-+-+-+
/// |                                               |  Pad Length   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                    Integrity Checksum Data                    ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// Next Payload is the first inner payload type in fragment 1 and 0 in the others (§2.5).
/// Fragment numbers start at 1 and must not exceed Total Fragments (§2.6).
/// </summary>
public sealed record EncryptedFragmentPayload(
    IkePayloadType FirstInnerPayload, ushort FragmentNumber, ushort TotalFragments, byte[] ProtectedData)
    : IIkePayload<EncryptedFragmentPayload>
{
    public IkePayloadType PayloadType => IkePayloadType.EncryptedFragment;

    public int GetEncodedLength() => IkeConstants.FragmentHeaderLength + ProtectedData.Length;

    public static bool TryRead(ref IkeReader r, out EncryptedFragmentPayload value)
    {
        value = null!;
        if (!r.TryReadUInt16(out var number) || !r.TryReadUInt16(out var total))
        {
            return r.Fail("truncated SKF payload", IkePayloadType.EncryptedFragment);
        }

        value = new EncryptedFragmentPayload(IkePayloadType.NoNextPayload, number, total, r.ReadToEnd().ToArray());
        var error = value.Validate();
        return !error.IsError || r.Fail(error);
    }

    public void Write(ref IkeWriter w)
    {
        w.WriteUInt16(FragmentNumber);
        w.WriteUInt16(TotalFragments);
        w.WriteBytes(ProtectedData);
    }

    public IkeParseError Validate()
    {
        if (FragmentNumber == 0 || FragmentNumber > TotalFragments || TotalFragments > IkeConstants.MaxFragmentsCeiling)
        {
            return IkeParseError.Syntax("SKF fragment number outside 1..Total Fragments", IkePayloadType.EncryptedFragment);
        }

        if (ProtectedData.Length == 0)
        {
            return IkeParseError.Syntax("empty SKF payload", IkePayloadType.EncryptedFragment);
        }

        return IkeParseError.None;
    }
}
