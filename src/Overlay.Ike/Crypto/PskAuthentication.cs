using Overlay.Ike.Encoding.Payloads;

namespace Overlay.Ike.Crypto;

/// <summary>
/// AUTH for pre-shared keys (RFC 7296 §2.15):
/// <code>
/// InitiatorSignedOctets = RealMessage1 | NonceRData | MACedIDForI
/// MACedIDForI = prf(SK_pi, RestOfInitIDPayload)
/// ResponderSignedOctets = RealMessage2 | NonceIData | MACedIDForR
/// MACedIDForR = prf(SK_pr, RestOfRespIDPayload)
/// AUTH = prf( prf(Shared Secret, "Key Pad for IKEv2"), &lt;SignedOctets&gt;)
/// </code>
/// RealMessage1/2 is the IKE_SA_INIT request/response exactly as sent; RestOf*IDPayload is the ID
/// payload body (ID Type, RESERVED, data).
/// </summary>
public static class PskAuthentication
{
    /// <summary>The octets the AUTH payload signs (also used by signature methods).</summary>
    public static byte[] SignedOctets(IkePrf prf, ReadOnlySpan<byte> ikeSaInitMessage, ReadOnlySpan<byte> peerNonce, ReadOnlySpan<byte> skP, IdentificationPayload id)
    {
        var macedId = prf.Compute(skP, id.GetBody());
        return IkeKeyMaterial.Concat(ikeSaInitMessage, peerNonce, macedId);
    }

    /// <summary>AUTH data for a shared key.</summary>
    public static byte[] Compute(IkePrf prf, ReadOnlySpan<byte> sharedSecret, ReadOnlySpan<byte> signedOctets)
    {
        var padded = prf.Compute(sharedSecret, System.Text.Encoding.ASCII.GetBytes(IkeConstants.KeyPadForIkev2));
        return prf.Compute(padded, signedOctets);
    }

    /// <summary>Compares received AUTH data with the expected value in constant time.</summary>
    public static bool Verify(IkePrf prf, ReadOnlySpan<byte> sharedSecret, ReadOnlySpan<byte> signedOctets, ReadOnlySpan<byte> received)
        => System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(Compute(prf, sharedSecret, signedOctets), received);
}
