namespace Overlay.Ike.Crypto;

/// <summary>
/// CHILD_SA keys (RFC 7296 §2.17):
/// <code>
/// KEYMAT = prf+(SK_d, Ni | Nr)                 (no PFS)
/// KEYMAT = prf+(SK_d, g^ir (new) | Ni | Nr)    (with a KE exchange in CREATE_CHILD_SA)
/// </code>
/// Keys are taken initiator→responder first, encryption key before integrity key, then
/// responder→initiator. For ESP AES-GCM the "encryption key" includes the 4-octet salt
/// (RFC 4106 §8.1), so pass the key length with the salt.
/// </summary>
public sealed record ChildKeyMaterial(byte[] EncryptionInitiator, byte[] IntegrityInitiator, byte[] EncryptionResponder, byte[] IntegrityResponder)
{
    public static ChildKeyMaterial Derive(
        IkePrf prf, ReadOnlySpan<byte> skD, ReadOnlySpan<byte> ni, ReadOnlySpan<byte> nr,
        ReadOnlySpan<byte> newSharedSecret, int encryptionKeyLength, int integrityKeyLength)
    {
        var seed = IkeKeyMaterial.Concat(newSharedSecret, ni, nr);
        var keymat = PrfPlus.Derive(prf, skD, seed, 2 * (encryptionKeyLength + integrityKeyLength));
        var offset = 0;
        byte[] Take(int n)
        {
            var key = keymat.AsSpan(offset, n).ToArray();
            offset += n;
            return key;
        }

        var ei = Take(encryptionKeyLength);
        var ai = Take(integrityKeyLength);
        var er = Take(encryptionKeyLength);
        var ar = Take(integrityKeyLength);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(keymat);
        return new ChildKeyMaterial(ei, ai, er, ar);
    }
}
