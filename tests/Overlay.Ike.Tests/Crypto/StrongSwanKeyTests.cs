using Overlay.Ike.Crypto;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Tests.Fixtures;

namespace Overlay.Ike.Tests.Crypto;

/// <summary>
/// Key derivation (RFC 7296 §2.14, §2.17) checked against the keys strongSwan's charon logged
/// for the captured exchanges: from its DH secret and the captured nonces and SPIs we must
/// reproduce SKEYSEED, all seven SK_* keys and the CHILD_SA keys exactly.
/// </summary>
public class StrongSwanKeyTests
{
    internal sealed record Session(StrongSwanCapture Capture, IkeMessage Request, IkeMessage Response, IkeCipherSuite Suite, byte[] Ni, byte[] Nr);

    internal static Session Open(string connection)
    {
        var capture = StrongSwanCapture.Load(connection);
        Assert.True(IkeMessage.TryParse(capture.InitRequest, out var request, out _));
        Assert.True(IkeMessage.TryParse(capture.InitResponse, out var response, out _));
        var chosen = Assert.Single(response.Find<SecurityAssociationPayload>()!.Proposals);
        Assert.True(IkeCipherSuite.TryFromProposal(chosen, out var suite, out var error), error.ToString());
        return new Session(capture, request, response, suite, request.Find<NoncePayload>()!.Data, response.Find<NoncePayload>()!.Data);
    }

    internal static IkeKeyMaterial Derive(Session s)
    {
        var skeyseed = IkeKeyMaterial.ComputeSkeyseed(s.Suite.Prf, s.Ni, s.Nr, s.Capture.Keys["dh_shared_secret"]);
        return IkeKeyMaterial.Derive(s.Suite, skeyseed, s.Ni, s.Nr, s.Request.Header.InitiatorSpi, s.Response.Header.ResponderSpi);
    }

    [Theory]
    [MemberData(nameof(StrongSwanCapture.All), MemberType = typeof(StrongSwanCapture))]
    public void Skeyseed_matches_charon(string connection)
    {
        var s = Open(connection);
        var skeyseed = IkeKeyMaterial.ComputeSkeyseed(s.Suite.Prf, s.Ni, s.Nr, s.Capture.Keys["dh_shared_secret"]);
        Assert.Equal(Convert.ToHexString(s.Capture.Keys["skeyseed"]), Convert.ToHexString(skeyseed));
    }

    [Theory]
    [MemberData(nameof(StrongSwanCapture.All), MemberType = typeof(StrongSwanCapture))]
    public void All_seven_sk_keys_match_charon(string connection)
    {
        var s = Open(connection);
        var keys = Derive(s);
        var logged = s.Capture.Keys;
        Assert.Equal(Convert.ToHexString(logged["sk_d"]), Convert.ToHexString(keys.SkD));
        Assert.Equal(Convert.ToHexString(logged["sk_ei"]), Convert.ToHexString(keys.SkEi));
        Assert.Equal(Convert.ToHexString(logged["sk_er"]), Convert.ToHexString(keys.SkEr));
        Assert.Equal(Convert.ToHexString(logged["sk_pi"]), Convert.ToHexString(keys.SkPi));
        Assert.Equal(Convert.ToHexString(logged["sk_pr"]), Convert.ToHexString(keys.SkPr));
        if (s.Suite.IsAead)
        {
            Assert.Empty(keys.SkAi); // AES-GCM: no integrity keys; charon logs none either
            Assert.False(logged.ContainsKey("sk_ai"));
        }
        else
        {
            Assert.Equal(Convert.ToHexString(logged["sk_ai"]), Convert.ToHexString(keys.SkAi));
            Assert.Equal(Convert.ToHexString(logged["sk_ar"]), Convert.ToHexString(keys.SkAr));
        }
    }

    [Theory]
    [InlineData("cbc", 16, 32)] // ESP aes128-sha256: AES-128 key, HMAC-SHA2-256 key
    [InlineData("gcm", 36, 0)]  // ESP aes256gcm16: AES-256 key + 4-octet salt (RFC 4106 §8.1)
    public void Child_sa_keymat_matches_charon(string connection, int encrLength, int integLength)
    {
        var s = Open(connection);
        var keys = Derive(s);
        var child = ChildKeyMaterial.Derive(s.Suite.Prf, keys.SkD, s.Ni, s.Nr, [], encrLength, integLength);
        var logged = s.Capture.Keys;
        Assert.Equal(Convert.ToHexString(logged["child_seed"]), Convert.ToHexString([.. s.Ni, .. s.Nr]));
        Assert.Equal(Convert.ToHexString(logged["child_encr_i"]), Convert.ToHexString(child.EncryptionInitiator));
        Assert.Equal(Convert.ToHexString(logged["child_encr_r"]), Convert.ToHexString(child.EncryptionResponder));
        if (integLength > 0)
        {
            Assert.Equal(Convert.ToHexString(logged["child_integ_i"]), Convert.ToHexString(child.IntegrityInitiator));
            Assert.Equal(Convert.ToHexString(logged["child_integ_r"]), Convert.ToHexString(child.IntegrityResponder));
        }
    }
}
