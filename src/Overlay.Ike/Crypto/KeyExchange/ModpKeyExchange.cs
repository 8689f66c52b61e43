using Org.BouncyCastle.Crypto.Agreement;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Overlay.Ike.Encoding;

namespace Overlay.Ike.Crypto.KeyExchange;

/// <summary>
/// 2048-bit MODP group 14 (RFC 3526 §3) through BouncyCastle. Public values and the shared
/// secret are big-endian, left-padded with zeros to the 256-octet modulus length (RFC 7296 §3.4,
/// §2.14). Peer values outside 1 &lt; y &lt; p-1 (or outside the prime-order subgroup) are rejected.
/// </summary>
public sealed class ModpKeyExchange : IKeyExchange
{
    private const int Length = 256;
    private static readonly DHParameters Group = DHStandardGroups.rfc3526_2048;
    private readonly DHPrivateKeyParameters _private;
    private readonly byte[] _public;

    public ModpKeyExchange()
    {
        var generator = new DHKeyPairGenerator();
        generator.Init(new DHKeyGenerationParameters(new SecureRandom(), Group));
        var pair = generator.GenerateKeyPair();
        _private = (DHPrivateKeyParameters)pair.Private;
        _public = ToFixed(((DHPublicKeyParameters)pair.Public).Y);
    }

    public KeyExchangeMethod Method => KeyExchangeMethod.Modp2048;

    public ReadOnlySpan<byte> PublicKey => _public;

    public bool TryComputeSharedSecret(ReadOnlySpan<byte> peerPublicKey, out byte[] sharedSecret, out IkeParseError error)
    {
        sharedSecret = [];
        if (peerPublicKey.Length != Length)
        {
            error = IkeParseError.Syntax("MODP-2048 key exchange data is not 256 octets", IkePayloadType.KeyExchange);
            return false;
        }

        DHPublicKeyParameters peer;
        try
        {
            // The constructor checks 2 <= y <= p-2 and, with q known, y^q = 1 mod p.
            peer = new DHPublicKeyParameters(new BigInteger(1, peerPublicKey.ToArray()), Group);
        }
        catch (ArgumentException)
        {
            error = IkeParseError.Syntax("MODP-2048 public value out of range", IkePayloadType.KeyExchange);
            return false;
        }

        var agreement = new DHBasicAgreement();
        agreement.Init(_private);
        sharedSecret = ToFixed(agreement.CalculateAgreement(peer));
        error = IkeParseError.None;
        return true;
    }

    private static byte[] ToFixed(BigInteger value)
    {
        var raw = value.ToByteArrayUnsigned();
        var fixedLength = new byte[Length];
        raw.CopyTo(fixedLength, Length - raw.Length);
        return fixedLength;
    }

    public void Dispose()
    {
    }
}
