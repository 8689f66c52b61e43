using System.Net;
using Overlay.Ike.Encoding.Payloads;

namespace Overlay.Ike.Sa;

/// <summary>
/// An IKE identity as configured and as received in IDi/IDr (RFC 7296 §3.5). The types this
/// daemon authenticates with are FQDN, IPv4, IPv6, KEY_ID and DER_ASN1_DN; <see cref="ToString"/> is the text
/// the label policy and the logs use ("hostA", "192.0.2.1", "2001:db8::1", hex for KEY_ID, "CN=hostB, O=TVD" for a DN).
/// </summary>
public sealed record IkeIdentity(IdType Type, byte[] Data)
{
    public static IkeIdentity Fqdn(string name) => new(IdType.Fqdn, System.Text.Encoding.ASCII.GetBytes(name));

    public static IkeIdentity Address(IPAddress address)
        => new(address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? IdType.Ipv6Address : IdType.Ipv4Address,
            address.GetAddressBytes());

    public static IkeIdentity KeyId(byte[] keyId) => new(IdType.KeyId, keyId);

    /// <summary>ID_DER_ASN1_DN: the DER subject of a certificate (RFC 7296 §3.5).</summary>
    public static IkeIdentity DistinguishedName(System.Security.Cryptography.X509Certificates.X500DistinguishedName dn) => new(IdType.DerAsn1Dn, dn.RawData);

    public static IkeIdentity FromPayload(IdentificationPayload id) => new(id.IdType, id.Data);

    public IdentificationPayload ToPayload(bool isInitiator) => new(isInitiator, Type, Data);

    /// <summary>Same type and octets (identities compare by value, RFC 7296 §2.15 uses the octets as sent).</summary>
    public bool Matches(IdentificationPayload id) => id.IdType == Type && id.Data.AsSpan().SequenceEqual(Data);

    public bool Equals(IkeIdentity? other) => other is not null && other.Type == Type && other.Data.AsSpan().SequenceEqual(Data);

    public override int GetHashCode() => HashCode.Combine(Type, Data.Length);

    private string DistinguishedNameText()
    {
        try
        {
            return new System.Security.Cryptography.X509Certificates.X500DistinguishedName(Data).Name;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return Convert.ToHexString(Data); // not valid DER: still something to log
        }
    }

    public override string ToString() => Type switch
    {
        IdType.Fqdn or IdType.Rfc822Address => System.Text.Encoding.ASCII.GetString(Data),
        IdType.Ipv4Address or IdType.Ipv6Address when Data.Length is 4 or 16 => new IPAddress(Data).ToString(),
        IdType.DerAsn1Dn => DistinguishedNameText(),
        _ => Convert.ToHexString(Data),
    };
}
