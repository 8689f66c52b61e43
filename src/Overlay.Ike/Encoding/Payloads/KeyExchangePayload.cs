namespace Overlay.Ike.Encoding.Payloads;

/// <summary>
/// Key Exchange payload, KE (RFC 7296 §3.4).
/// <code>
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Next Payload  |C|  RESERVED   |         Payload Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   Diffie-Hellman Group Num    |           RESERVED            |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                       Key Exchange Data                       ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// The data length is fixed per group (§3.4: a wrong length is INVALID_SYNTAX); that check
/// needs the group's size and lives with the key exchange (Crypto/KeyExchange*).
/// </summary>
public sealed record KeyExchangePayload(KeyExchangeMethod Group, byte[] Data) : IIkePayload<KeyExchangePayload>
{
    public IkePayloadType PayloadType => IkePayloadType.KeyExchange;

    public int GetEncodedLength() => 4 + Data.Length;

    public static bool TryRead(ref IkeReader r, out KeyExchangePayload value)
    {
        value = null!;
        if (!r.TryReadUInt16(out var group) || !r.TrySkip(2))
        {
            return r.Fail("truncated KE payload", IkePayloadType.KeyExchange);
        }

        value = new KeyExchangePayload((KeyExchangeMethod)group, r.ReadToEnd().ToArray());
        return true;
    }

    public void Write(ref IkeWriter w)
    {
        w.WriteUInt16((ushort)Group);
        w.WriteZeros(2);
        w.WriteBytes(Data);
    }

    public IkeParseError Validate()
        => Data.Length == 0
            ? IkeParseError.Syntax("KE payload without key exchange data", IkePayloadType.KeyExchange)
            : IkeParseError.None;
}
