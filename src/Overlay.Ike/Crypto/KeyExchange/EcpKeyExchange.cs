using System.Security.Cryptography;
using Overlay.Ike.Encoding;

namespace Overlay.Ike.Crypto.KeyExchange;

/// <summary>
/// ECP groups 19 (P-256) and 20 (P-384) per RFC 5903 through .NET's ECDiffieHellman. Key
/// Exchange Data is x | y without the 0x04 point-format octet (§7); the shared secret is the
/// x coordinate of the shared point (§9). Importing the peer's point validates that it is on
/// the curve, so invalid-curve points fail here.
/// </summary>
public sealed class EcpKeyExchange : IKeyExchange
{
    private readonly ECDiffieHellman _key;
    private readonly ECCurve _curve;
    private readonly int _coordinateLength;
    private readonly byte[] _public;

    public EcpKeyExchange(KeyExchangeMethod method)
    {
        Method = method;
        (_curve, _coordinateLength) = method switch
        {
            KeyExchangeMethod.Ecp256 => (ECCurve.NamedCurves.nistP256, 32),
            KeyExchangeMethod.Ecp384 => (ECCurve.NamedCurves.nistP384, 48),
            _ => throw new ArgumentOutOfRangeException(nameof(method), method, "not an ECP group"),
        };
        _key = ECDiffieHellman.Create(_curve);
        var q = _key.ExportParameters(false).Q;
        _public = [.. q.X!, .. q.Y!];
    }

    public KeyExchangeMethod Method { get; }

    public ReadOnlySpan<byte> PublicKey => _public;

    public bool TryComputeSharedSecret(ReadOnlySpan<byte> peerPublicKey, out byte[] sharedSecret, out IkeParseError error)
    {
        sharedSecret = [];
        if (peerPublicKey.Length != 2 * _coordinateLength)
        {
            error = IkeParseError.Syntax("ECP key exchange data has the wrong length", IkePayloadType.KeyExchange);
            return false;
        }

        var parameters = new ECParameters
        {
            Curve = _curve,
            Q = new ECPoint
            {
                X = peerPublicKey[.._coordinateLength].ToArray(),
                Y = peerPublicKey[_coordinateLength..].ToArray(),
            },
        };
        try
        {
            using var peer = ECDiffieHellman.Create(parameters);
            sharedSecret = _key.DeriveRawSecretAgreement(peer.PublicKey);
        }
        catch (CryptographicException)
        {
            error = IkeParseError.Syntax("ECP public value is not a point on the curve", IkePayloadType.KeyExchange);
            return false;
        }

        error = IkeParseError.None;
        return true;
    }

    public void Dispose() => _key.Dispose();
}
