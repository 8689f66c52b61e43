using Overlay.Ike.Crypto;

namespace Overlay.Ike.Tests.Crypto;

/// <summary>PRF_HMAC_SHA2_* against the RFC 4231 test vectors (RFC 4868 §2.7.1 points to them).</summary>
public class IkePrfTests
{
    [Theory]
    // RFC 4231 §4.2, test case 1: key = 0x0b x 20, data = "Hi There"
    [InlineData(PrfAlgorithm.HmacSha2_256, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")]
    [InlineData(PrfAlgorithm.HmacSha2_384, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
        "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6")]
    [InlineData(PrfAlgorithm.HmacSha2_512, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265",
        "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854")]
    // RFC 4231 §4.3, test case 2: key = "Jefe", data = "what do ya want for nothing?"
    [InlineData(PrfAlgorithm.HmacSha2_256, "4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")]
    [InlineData(PrfAlgorithm.HmacSha2_384, "4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
        "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649")]
    [InlineData(PrfAlgorithm.HmacSha2_512, "4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f",
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737")]
    public void Prf_matches_rfc_4231(PrfAlgorithm algorithm, string key, string data, string expected)
    {
        var prf = IkePrf.For(algorithm)!;
        Assert.Equal(expected, Convert.ToHexString(prf.Compute(Convert.FromHexString(key), Convert.FromHexString(data))).ToLowerInvariant());
    }

    [Fact]
    public void Unimplemented_prfs_are_not_offered()
    {
        Assert.Null(IkePrf.For(PrfAlgorithm.HmacSha1));
        Assert.Null(IkePrf.For(PrfAlgorithm.AesXcbc));
    }

    [Fact]
    public void Prf_plus_chains_blocks_as_rfc_7296_section_2_13_defines()
    {
        var prf = IkePrf.HmacSha256;
        byte[] key = [1, 2, 3];
        byte[] seed = [9, 8, 7, 6];
        var output = PrfPlus.Derive(prf, key, seed, 70);

        var t1 = prf.Compute(key, [.. seed, 0x01]);
        var t2 = prf.Compute(key, [.. t1, .. seed, 0x02]);
        var t3 = prf.Compute(key, [.. t2, .. seed, 0x03]);
        Assert.Equal(Convert.ToHexString([.. t1, .. t2, .. t3.AsSpan(0, 6)]), Convert.ToHexString(output));
    }

    [Fact]
    public void Prf_plus_refuses_more_than_255_blocks()
    {
        Assert.Equal(255 * 32, PrfPlus.Derive(IkePrf.HmacSha256, [1], [2], 255 * 32).Length);
        Assert.Throws<ArgumentException>(() => PrfPlus.Derive(IkePrf.HmacSha256, [1], [2], 255 * 32 + 1));
    }
}
