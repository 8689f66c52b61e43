using Overlay.Ike.Encoding;
using Overlay.Ike.Interop;

namespace Overlay.Ike.Crypto.KeyExchange;

/// <summary>
/// Curve25519 (group 31, RFC 8031) through OpenSSL's X25519. Key Exchange Data is the 32-octet u-coordinate
/// (§2); an all-zero shared secret (a low-order peer point) is rejected as RFC 8031 §2.1 requires. The private
/// key lives only inside OpenSSL and is cleansed when this object is disposed.
/// </summary>
public sealed class Curve25519KeyExchange : IKeyExchange
{
    private const int Length = Interop.Interop.LibCrypto.X25519KeyLength;
    private readonly SafeEvpPKey _private;
    private readonly byte[] _public = new byte[Length];

    public Curve25519KeyExchange()
    {
        _private = Interop.Interop.LibCrypto.GenerateX25519(_public);
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

        var secret = new byte[Length];
        if (!Interop.Interop.LibCrypto.DeriveX25519(_private, peerPublicKey, secret))
        {
            error = IkeParseError.Syntax("Curve25519 public value has low order", IkePayloadType.KeyExchange);
            return false;
        }

        sharedSecret = secret;
        error = IkeParseError.None;
        return true;
    }

    public void Dispose() => _private.Dispose();
}
