using System.Net;
using System.Text;

namespace Overlay.Ike.Encoding.Payloads;

/// <summary>
/// Identification payloads, IDi and IDr (RFC 7296 §3.5).
/// <code>
///                      1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// | Next Payload  |C|  RESERVED   |         Payload Length        |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |   ID Type     |                 RESERVED                      |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ~                   Identification Data                         ~
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// </code>
/// The body (ID Type, RESERVED, data) is exactly what AUTH's MACedIDFor* hashes (§2.15),
/// so <see cref="Write"/> output is used verbatim there.
/// </summary>
public sealed record IdentificationPayload(bool IsInitiator, IdType IdType, byte[] Data) : IIkePayload
{
    public IkePayloadType PayloadType => IsInitiator ? IkePayloadType.IdInitiator : IkePayloadType.IdResponder;

    public static IdentificationPayload Fqdn(bool isInitiator, string name)
        => new(isInitiator, IdType.Fqdn, System.Text.Encoding.ASCII.GetBytes(name));

    public static IdentificationPayload Address(bool isInitiator, IPAddress address)
        => new(isInitiator, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? IdType.Ipv6Address : IdType.Ipv4Address,
            address.GetAddressBytes());

    public int GetEncodedLength() => 4 + Data.Length;

    /// <summary>Reads an ID body; <paramref name="isInitiator"/> says whether it arrived as IDi or IDr.</summary>
    public static bool TryRead(ref IkeReader r, bool isInitiator, out IdentificationPayload value)
    {
        value = null!;
        var type = isInitiator ? IkePayloadType.IdInitiator : IkePayloadType.IdResponder;
        if (!r.TryReadByte(out var idType) || !r.TrySkip(3))
        {
            return r.Fail("truncated ID payload", type);
        }

        value = new IdentificationPayload(isInitiator, (IdType)idType, r.ReadToEnd().ToArray());
        return true;
    }

    public void Write(ref IkeWriter w)
    {
        w.WriteByte((byte)IdType);
        w.WriteZeros(3);
        w.WriteBytes(Data);
    }

    /// <summary>The body as AUTH hashes it (RestOfInitIDPayload / RestOfRespIDPayload, §2.15).</summary>
    public byte[] GetBody()
    {
        var bytes = new byte[GetEncodedLength()];
        var w = new IkeWriter(bytes);
        Write(ref w);
        return bytes;
    }

    /// <summary>Fixed-size address types must have the address size; string types must be non-empty ASCII (§3.5).</summary>
    public IkeParseError Validate()
    {
        var ok = IdType switch
        {
            IdType.Ipv4Address => Data.Length == 4,
            IdType.Ipv6Address => Data.Length == 16,
            IdType.Fqdn or IdType.Rfc822Address => Data.Length > 0 && Ascii.IsValid(Data),
            IdType.DerAsn1Dn or IdType.DerAsn1Gn or IdType.KeyId => Data.Length > 0,
            _ => true,
        };
        return ok ? IkeParseError.None : IkeParseError.Syntax("identification data does not fit its ID type", PayloadType);
    }

    public override string ToString() => IdType switch
    {
        IdType.Fqdn or IdType.Rfc822Address => $"{IdType}:{System.Text.Encoding.ASCII.GetString(Data)}",
        IdType.Ipv4Address or IdType.Ipv6Address when Data.Length is 4 or 16 => $"{IdType}:{new IPAddress(Data)}",
        _ => $"{IdType}:{Convert.ToHexString(Data)}",
    };
}
