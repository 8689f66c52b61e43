using Overlay.Ike.Crypto;
using Overlay.Ike.Sa;

namespace Overlay.Ike.Tests.Crypto;

/// <summary>swanctl.conf proposal strings, as a strongSwan peer's config writes them.</summary>
public sealed class ProposalTextTests
{
    [Theory]
    [InlineData("aes256gcm16-prfsha384-x25519")]
    [InlineData("aes128gcm16-prfsha256-ecp256")]
    [InlineData("aes128-sha256-prfsha256-modp2048")]
    [InlineData("aes256-sha512-prfsha512-ecp384")]
    public void An_ike_suite_prints_as_the_proposal_it_was_read_from(string text)
    {
        // tvdctl status shows the negotiated suite this way, not as a record dump (IkeCipherSuite { ... }).
        Assert.True(ProposalText.TryParseIke(text, out var suite));

        Assert.Equal(text, suite.ToString());
        Assert.True(ProposalText.TryParseIke(suite.ToString(), out var again));
        Assert.Equal(suite, again);
    }

    [Fact]
    public void An_aead_ike_proposal_names_encryption_prf_and_group()
    {
        Assert.True(ProposalText.TryParseIke("aes256gcm16-prfsha384-ecp256", out var suite));

        Assert.Equal(new IkeCipherSuite(EncryptionAlgorithm.AesGcm16, 256, IkePrf.HmacSha384, IntegrityAlgorithm.None, KeyExchangeMethod.Ecp256), suite);
    }

    [Theory]
    [InlineData("aes128-sha256-modp2048", 128, IntegrityAlgorithm.HmacSha2_256_128, PrfAlgorithm.HmacSha2_256)]
    [InlineData("aes256-sha384-x25519", 256, IntegrityAlgorithm.HmacSha2_384_192, PrfAlgorithm.HmacSha2_384)]
    [InlineData("aes256-sha512-ecp384", 256, IntegrityAlgorithm.HmacSha2_512_256, PrfAlgorithm.HmacSha2_512)]
    [InlineData("aes128-sha512-prfsha256-curve25519", 128, IntegrityAlgorithm.HmacSha2_512_256, PrfAlgorithm.HmacSha2_256)]
    public void A_cbc_ike_proposal_takes_its_prf_from_the_integrity_hash_unless_named(
        string text, int bits, IntegrityAlgorithm integrity, PrfAlgorithm prf)
    {
        Assert.True(ProposalText.TryParseIke(text, out var suite));

        Assert.Equal((EncryptionAlgorithm.AesCbc, bits, integrity, prf), (suite.Encryption, suite.EncryptionKeyBits, suite.Integrity, suite.Prf.Algorithm));
    }

    [Fact]
    public void An_aead_ike_proposal_without_a_prf_uses_sha256()
    {
        Assert.True(ProposalText.TryParseIke("aes128gcm16-x25519", out var suite));

        Assert.Equal((IkePrf.HmacSha256, KeyExchangeMethod.Curve25519), (suite.Prf, suite.KeyExchange));
    }

    [Theory]
    [InlineData("aes256gcm16-prfsha384-modp1024")] // a group we do not implement
    [InlineData("aes256gcm16-prfsha384")] // no group
    [InlineData("aes256gcm16-sha256-ecp256")] // AEAD with an integrity algorithm
    [InlineData("aes128-ecp256")] // CBC without one
    [InlineData("3des-sha1-modp2048")]
    [InlineData("")]
    public void An_ike_proposal_we_do_not_implement_is_refused(string text) =>
        Assert.False(ProposalText.TryParseIke(text, out _));

    [Theory]
    [InlineData("aes256gcm16", 256, false, KeyExchangeMethod.None)]
    [InlineData("aes128gcm16-esn", 128, true, KeyExchangeMethod.None)]
    [InlineData("aes256gcm16-x25519-noesn", 256, false, KeyExchangeMethod.Curve25519)]
    [InlineData("aes128gcm16-ecp256-esn", 128, true, KeyExchangeMethod.Ecp256)]
    public void An_esp_proposal_is_aes_gcm_with_optional_esn_and_pfs_group(string text, int bits, bool esn, KeyExchangeMethod group)
    {
        Assert.True(ProposalText.TryParseEsp(text, out var suite));

        Assert.Equal(new EspSuite(bits, esn, group), suite);
    }

    [Theory]
    [InlineData("aes256")] // ESP here is AES-GCM only
    [InlineData("esn-aes256gcm16")]
    [InlineData("aes256gcm16-sha256")]
    [InlineData("aes256gcm16-modp1024")]
    public void An_esp_proposal_we_do_not_implement_is_refused(string text) =>
        Assert.False(ProposalText.TryParseEsp(text, out _));

    [Fact]
    public void A_list_keeps_the_order_written_and_ignores_empty_parts()
    {
        Assert.True(ProposalText.TryParseEspList(" aes128gcm16-esn, ,aes256gcm16 ", out var suites, out _));

        Assert.Equal([new EspSuite(128, true), new EspSuite(256, false)], suites);
    }

    [Fact]
    public void A_list_names_the_first_proposal_it_cannot_read()
    {
        Assert.False(ProposalText.TryParseIkeList("aes256gcm16-prfsha384-x25519, aes256gcm16-prfsha384-modp1024, nonsense", out _, out var rejected));

        Assert.Equal("aes256gcm16-prfsha384-modp1024", rejected);
    }

    [Fact]
    public void An_empty_list_reads_as_no_proposals()
    {
        Assert.True(ProposalText.TryParseIkeList("", out var suites, out _));

        Assert.Empty(suites);
    }
}
