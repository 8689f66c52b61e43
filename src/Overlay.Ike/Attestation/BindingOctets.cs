using System.Buffers.Binary;
using System.Security.Cryptography;
using Overlay.Ike.Crypto;

namespace Overlay.Ike.Attestation;

/// <summary>
/// What the ephemeral key of a peer's evidence must sign so the evidence counts for THIS IKE SA only. In
/// IKE_AUTH it is exactly what the sender's AUTH covers (RFC 7296 §2.15: its IKE_SA_INIT message with both
/// SPIs and its KE, the other side's nonce, prf(SK_p, ID)) with the evidence's hash in front; in a refresh
/// (INFORMATIONAL) it is the SPIs, the message ID, the evidence's hash and a MAC under the sender's SK_p,
/// which only a holder of this SA's keys can compute. Evidence moved to another SA, another message or
/// another host therefore needs the ephemeral key's private half, which never leaves its daemon.
/// <code>
/// auth:    "TVD-IKE-BIND/v1 auth"    | role (1) | SHA-256(bundle) | signed octets (§2.15)
/// refresh: "TVD-IKE-BIND/v1 refresh" | role (1) | SPIi (8) | SPIr (8) | message ID (4) | SHA-256(bundle)
///          | prf(SK_p, "TVD-IKE-BIND/v1 refresh" | SHA-256(bundle))
/// role = 1 when the sender is the original initiator, else 0
/// </code>
/// </summary>
public static class BindingOctets
{
    private static ReadOnlySpan<byte> AuthContext => "TVD-IKE-BIND/v1 auth"u8;

    private static ReadOnlySpan<byte> RefreshContext => "TVD-IKE-BIND/v1 refresh"u8;

    public static byte[] ForAuth(bool senderIsInitiator, ReadOnlySpan<byte> bundle, ReadOnlySpan<byte> signedOctets)
    {
        var octets = new byte[AuthContext.Length + 1 + SHA256.HashSizeInBytes + signedOctets.Length];
        AuthContext.CopyTo(octets);
        int offset = AuthContext.Length;
        octets[offset++] = senderIsInitiator ? (byte)1 : (byte)0;
        SHA256.HashData(bundle, octets.AsSpan(offset));
        signedOctets.CopyTo(octets.AsSpan(offset + SHA256.HashSizeInBytes));
        return octets;
    }

    public static byte[] ForRefresh(IkePrf prf, ReadOnlySpan<byte> senderSkP, bool senderIsInitiator, ulong spiI, ulong spiR, uint messageId,
        ReadOnlySpan<byte> bundle)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(bundle, digest);
        byte[] macInput = [.. RefreshContext, .. digest];
        byte[] mac = prf.Compute(senderSkP, macInput);
        var octets = new byte[RefreshContext.Length + 1 + 8 + 8 + 4 + digest.Length + mac.Length];
        RefreshContext.CopyTo(octets);
        int offset = RefreshContext.Length;
        octets[offset++] = senderIsInitiator ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt64BigEndian(octets.AsSpan(offset), spiI);
        BinaryPrimitives.WriteUInt64BigEndian(octets.AsSpan(offset + 8), spiR);
        BinaryPrimitives.WriteUInt32BigEndian(octets.AsSpan(offset + 16), messageId);
        digest.CopyTo(octets.AsSpan(offset + 20));
        mac.CopyTo(octets.AsSpan(offset + 20 + digest.Length));
        return octets;
    }
}
