using Org.BouncyCastle.Crypto.Agreement;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Overlay.Ike.Encoding;

namespace Overlay.Ike.Crypto.KeyExchange;

/// <summary>
/// Curve25519 (group 31, RFC 8031) through BouncyCastle's X25519. Key Exchange Data is the
/// 32-octet u-coordinate (§2); an all-zero shared secret (a low-order peer point) is rejected
/// as RFC 8031 §2.1 requires.
/// </summary>
public sealed class Curve25519KeyExchange : IKeyExchange
{
    private const int Length = 32;
    private readonly X25519PrivateKeyParameters _private;
    private readonly byte[] _public;

    public Curve25519KeyExchange()
    {
        var generator = new X25519KeyPairGenerator();
        generator.Init(new X25519KeyGenerationParameters(new SecureRandom()));
        var pair = generator.GenerateKeyPair();
        _private = (X25519PrivateKeyParameters)pair.Private;
        _public = ((X25519PublicKeyParameters)pair.Public).GetEncoded();
    }

    public KeyExchangeMethod Method => KeyExchangeMethod.Curve25519;

    public ReadOnlySpan<byte> PublicKey => _public;

    public bool TryComputeSharedSecret(ReadOnlySpan<byte> peerPublicKey, out byte[] sharedSecret, out IkeParseError error)
    {
        sharedSecret = [];
        if (peerPublicKey.Length != Length)
        {
            error = IkeParseError.Syntax("Curve25519 key exchange data is not 32 octets", IkePayloadType.KeyExchange);
            return false;
        }

        var agreement = new X25519Agreement();
        agreement.Init(_private);
        var secret = new byte[Length];
        try
        {
            agreement.CalculateAgreement(new X25519PublicKeyParameters(peerPublicKey.ToArray(), 0), secret, 0);
        }
        catch (InvalidOperationException)
        {
            // BouncyCastle refuses an all-zero result (low-order point).
            error = IkeParseError.Syntax("Curve25519 public value has low order", IkePayloadType.KeyExchange);
            return false;
        }

        sharedSecret = secret;
        error = IkeParseError.None;
        return true;
    }

    public void Dispose()
    {
    }
}
