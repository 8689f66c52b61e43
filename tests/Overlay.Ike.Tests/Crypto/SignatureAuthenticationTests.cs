using Overlay.Ike.Crypto.Certificates;
using Overlay.Ike.Tests.Crypto.Helpers;

namespace Overlay.Ike.Tests.Crypto;

/// <summary>AUTH signatures alone: RFC 7427 method 14 when negotiated, the classic methods (1, 9, 10) when not.</summary>
public sealed class SignatureAuthenticationTests
{
    private static readonly byte[] Octets = "RealMessage | Nonce | prf(SK_p, IDi')"u8.ToArray();

    [Theory]
    [InlineData(TestKey.Rsa, AuthMethod.RsaDigitalSignature)]
    [InlineData(TestKey.EcdsaP256, AuthMethod.EcdsaSha256P256)]
    [InlineData(TestKey.EcdsaP384, AuthMethod.EcdsaSha384P384)]
    public void Without_signature_hash_negotiation_the_classic_method_is_used_and_verifies(TestKey key, AuthMethod expected)
    {
        var ca = TestPki.CreateCa("Classic CA", key);
        var host = TestPki.CreateHost("hostA", ca, key);
        var auth = SignatureAuthentication.Sign(new CertificateCredential(host, []), Octets, []);
        Assert.Equal(expected, auth.Method);
        Assert.True(SignatureAuthentication.Verify(host, auth, Octets, out var reason), reason);

        var other = (byte[])Octets.Clone();
        other[0] ^= 1;
        Assert.False(SignatureAuthentication.Verify(host, auth, other, out reason));
        Assert.Contains("does not verify", reason);
    }

    [Fact]
    public void Rfc7427_picks_the_hash_the_peer_announced()
    {
        var ca = TestPki.CreateCa("7427 CA");
        var host = TestPki.CreateHost("hostA", ca);
        var auth = SignatureAuthentication.Sign(new CertificateCredential(host, []), Octets, [SignatureHashAlgorithm.Sha512]);
        Assert.Equal(AuthMethod.DigitalSignature, auth.Method);
        Assert.Equal(new SignatureScheme(SignatureKind.RsaPkcs1, System.Security.Cryptography.HashAlgorithmName.SHA512),
            SignatureScheme.TryDecode(auth.Data.AsMemory(1, auth.Data[0]), out _));
        Assert.True(SignatureAuthentication.Verify(host, auth, Octets, out var reason), reason);
    }

    [Fact]
    public void An_ecdsa_signature_against_an_rsa_certificate_or_garbage_is_refused_with_a_reason()
    {
        var ca = TestPki.CreateCa("Mixed CA");
        var rsaHost = TestPki.CreateHost("hostA", ca);
        var ecHost = TestPki.CreateHost("hostA", ca, TestKey.EcdsaP256);
        var auth = SignatureAuthentication.Sign(new CertificateCredential(ecHost, []), Octets, [SignatureHashAlgorithm.Sha256]);
        Assert.False(SignatureAuthentication.Verify(rsaHost, auth, Octets, out var reason));
        Assert.Contains("no ECDSA key", reason);

        var garbage = new Overlay.Ike.Encoding.Payloads.AuthenticationPayload(AuthMethod.DigitalSignature, [40, 1, 2, 3]);
        Assert.False(SignatureAuthentication.Verify(rsaHost, garbage, Octets, out reason));
        Assert.Contains("shorter than its AlgorithmIdentifier", reason);
    }
}
