using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Overlay.Ike.Crypto.KeyExchange;
using Overlay.Ike.Tests.Crypto.Helpers;

namespace Overlay.Ike.Tests.Crypto;

/// <summary>Both sides of each supported group agree; invalid peer values are errors, not exceptions.</summary>
public class KeyExchangeTests
{
    [Theory]
    [InlineData(KeyExchangeMethod.Modp2048, 256, 256)]
    [InlineData(KeyExchangeMethod.Ecp256, 64, 32)]
    [InlineData(KeyExchangeMethod.Ecp384, 96, 48)]
    [InlineData(KeyExchangeMethod.Curve25519, 32, 32)]
    public void Initiator_and_responder_compute_the_same_fixed_length_secret(KeyExchangeMethod method, int publicLength, int secretLength)
    {
        using var a = KeyExchangeFactory.Instance.Create(method);
        using var b = KeyExchangeFactory.Instance.Create(method);
        Assert.Equal(publicLength, a.PublicKey.Length);
        Assert.Equal(publicLength, KeyExchangeFactory.PublicKeyLength(method));

        Assert.True(a.TryComputeSharedSecret(b.PublicKey, out var sa, out _));
        Assert.True(b.TryComputeSharedSecret(a.PublicKey, out var sb, out _));
        Assert.Equal(secretLength, sa.Length);
        Assert.Equal(sa, sb);
        Assert.NotEqual(a.PublicKey.ToArray(), b.PublicKey.ToArray());
    }

    public static IEnumerable<object[]> BadPeerValues()
    {
        var p2048MinusOne = Convert.FromHexString(Rfc3526.Modp2048PrimeHex);
        p2048MinusOne[^1] -= 1;
        var ecpOffCurve = new byte[64];
        ecpOffCurve[31] = 1;
        ecpOffCurve[63] = 1;
        return
        [
            [KeyExchangeMethod.Modp2048, new byte[255]],                  // wrong length
            [KeyExchangeMethod.Modp2048, new byte[256]],                  // y = 0
            [KeyExchangeMethod.Modp2048, One(256)],                       // y = 1
            [KeyExchangeMethod.Modp2048, p2048MinusOne],                  // y = p - 1
            [KeyExchangeMethod.Ecp256, new byte[65]],                     // SEC1 form with 0x04 is not the IKE format
            [KeyExchangeMethod.Ecp256, ecpOffCurve],                      // (1, 1) is not on P-256
            [KeyExchangeMethod.Ecp384, new byte[96]],                     // (0, 0)
            [KeyExchangeMethod.Curve25519, new byte[31]],                 // wrong length
            [KeyExchangeMethod.Curve25519, new byte[32]],                 // u = 0: low order, all-zero secret
            [KeyExchangeMethod.Curve25519, LittleEndianOne(32)],          // u = 1: low order
            [KeyExchangeMethod.Curve25519, Convert.FromHexString("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800")], // order 8
        ];
    }

    private static byte[] LittleEndianOne(int length)
    {
        var bytes = new byte[length];
        bytes[0] = 1;
        return bytes;
    }

    private static byte[] One(int length)
    {
        var bytes = new byte[length];
        bytes[^1] = 1;
        return bytes;
    }

    [Theory]
    [MemberData(nameof(BadPeerValues))]
    public void Invalid_peer_values_are_invalid_syntax(KeyExchangeMethod method, byte[] peer)
    {
        using var ke = KeyExchangeFactory.Instance.Create(method);
        Assert.False(ke.TryComputeSharedSecret(peer, out var secret, out var error));
        Assert.Empty(secret);
        Assert.Equal(NotifyType.InvalidSyntax, error.Notify);
    }

    /// <summary>OpenSSL's X25519 against an independent implementation (BouncyCastle's RFC 7748 code), both ways.</summary>
    [Fact]
    public void Curve25519_agrees_with_an_independent_X25519()
    {
        using var ours = KeyExchangeFactory.Instance.Create(KeyExchangeMethod.Curve25519);
        var theirs = new X25519PrivateKeyParameters(new SecureRandom());
        byte[] theirPublic = theirs.GeneratePublicKey().GetEncoded();

        Assert.True(ours.TryComputeSharedSecret(theirPublic, out byte[] ourSecret, out _));
        var theirSecret = new byte[32];
        theirs.GenerateSecret(new X25519PublicKeyParameters(ours.PublicKey.ToArray()), theirSecret, 0);
        Assert.Equal(theirSecret, ourSecret);
    }
}
