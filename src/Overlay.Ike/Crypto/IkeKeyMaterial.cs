namespace Overlay.Ike.Crypto;

/// <summary>
/// The seven IKE SA keys (RFC 7296 §2.14):
/// <code>
/// SKEYSEED = prf(Ni | Nr, g^ir)
/// {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr} = prf+ (SKEYSEED, Ni | Nr | SPIi | SPIr)
/// </code>
/// For a rekeyed IKE SA (§2.18): SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr).
/// </summary>
public sealed record IkeKeyMaterial(byte[] SkD, byte[] SkAi, byte[] SkAr, byte[] SkEi, byte[] SkEr, byte[] SkPi, byte[] SkPr)
{
    /// <summary>SKEYSEED = prf(Ni | Nr, g^ir) for HMAC PRFs, which take the whole Ni | Nr as key (§2.14).</summary>
    public static byte[] ComputeSkeyseed(IkePrf prf, ReadOnlySpan<byte> ni, ReadOnlySpan<byte> nr, ReadOnlySpan<byte> sharedSecret)
        => prf.Compute(Concat(ni, nr), sharedSecret);

    /// <summary>SKEYSEED for a rekeyed IKE SA = prf(SK_d (old), g^ir (new) | Ni | Nr) (§2.18).</summary>
    public static byte[] ComputeRekeySkeyseed(IkePrf oldPrf, ReadOnlySpan<byte> oldSkD, ReadOnlySpan<byte> sharedSecret, ReadOnlySpan<byte> ni, ReadOnlySpan<byte> nr)
        => oldPrf.Compute(oldSkD, Concat(sharedSecret, ni, nr));

    /// <summary>Expands SKEYSEED into the seven keys with the lengths <paramref name="suite"/> needs.</summary>
    public static IkeKeyMaterial Derive(IkeCipherSuite suite, ReadOnlySpan<byte> skeyseed, ReadOnlySpan<byte> ni, ReadOnlySpan<byte> nr, ulong spiI, ulong spiR)
    {
        var prfLength = suite.Prf.OutputLength;
        var encr = suite.EncryptionKeyLength;
        var integ = suite.IntegrityKeyLength;
        Span<byte> spis = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(spis, spiI);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(spis[8..], spiR);
        var keymat = PrfPlus.Derive(suite.Prf, skeyseed, Concat(ni, nr, spis), 3 * prfLength + 2 * integ + 2 * encr);
        var offset = 0;
        byte[] Take(int n)
        {
            var key = keymat.AsSpan(offset, n).ToArray();
            offset += n;
            return key;
        }

        var skD = Take(prfLength);
        var skAi = Take(integ);
        var skAr = Take(integ);
        var skEi = Take(encr);
        var skEr = Take(encr);
        var skPi = Take(prfLength);
        var skPr = Take(prfLength);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(keymat);
        return new IkeKeyMaterial(skD, skAi, skAr, skEi, skEr, skPi, skPr);
    }

    internal static byte[] Concat(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, ReadOnlySpan<byte> c = default)
    {
        var result = new byte[a.Length + b.Length + c.Length];
        a.CopyTo(result);
        b.CopyTo(result.AsSpan(a.Length));
        c.CopyTo(result.AsSpan(a.Length + b.Length));
        return result;
    }
}
