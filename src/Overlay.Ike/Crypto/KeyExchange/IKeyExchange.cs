using Overlay.Ike.Encoding;

namespace Overlay.Ike.Crypto.KeyExchange;

/// <summary>
/// One side of a (EC)DH key exchange for a KE payload (RFC 7296 §1.2, §3.4). The private key
/// lives only inside the implementation.
/// </summary>
public interface IKeyExchange : IDisposable
{
    KeyExchangeMethod Method { get; }

    /// <summary>The Key Exchange Data to send, in the group's fixed wire format.</summary>
    ReadOnlySpan<byte> PublicKey { get; }

    /// <summary>
    /// Validates the peer's Key Exchange Data (length, range / point on curve / low order) and
    /// computes g^ir in the group's fixed-length encoding. Invalid data gives INVALID_SYNTAX
    /// (RFC 7296 §3.4) rather than an exception.
    /// </summary>
    bool TryComputeSharedSecret(ReadOnlySpan<byte> peerPublicKey, out byte[] sharedSecret, out IkeParseError error);
}

/// <summary>Creates key exchanges; injected so tests can pin or observe them (convention 8).</summary>
public interface IKeyExchangeFactory
{
    bool IsSupported(KeyExchangeMethod method);

    /// <summary>A new ephemeral key pair for <paramref name="method"/> (callers check <see cref="IsSupported"/> first).</summary>
    IKeyExchange Create(KeyExchangeMethod method);
}

/// <summary>
/// The key exchanges this project implements: MODP-2048 (group 14), ECP-256/384 (19/20) and
/// Curve25519 (31). Math comes from BouncyCastle and System.Security.Cryptography.
/// </summary>
public sealed class KeyExchangeFactory : IKeyExchangeFactory
{
    public static readonly KeyExchangeFactory Instance = new();

    public bool IsSupported(KeyExchangeMethod method)
        => method is KeyExchangeMethod.Modp2048 or KeyExchangeMethod.Ecp256 or KeyExchangeMethod.Ecp384 or KeyExchangeMethod.Curve25519;

    public IKeyExchange Create(KeyExchangeMethod method) => method switch
    {
        KeyExchangeMethod.Modp2048 => new ModpKeyExchange(),
        KeyExchangeMethod.Ecp256 or KeyExchangeMethod.Ecp384 => new EcpKeyExchange(method),
        KeyExchangeMethod.Curve25519 => new Curve25519KeyExchange(),
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, "unsupported key exchange method"),
    };

    /// <summary>The fixed Key Exchange Data length of a method (RFC 3526, RFC 5903 §7, RFC 8031 §2), or 0 if unknown.</summary>
    public static int PublicKeyLength(KeyExchangeMethod method) => method switch
    {
        KeyExchangeMethod.Modp2048 => 256,
        KeyExchangeMethod.Ecp256 => 64,
        KeyExchangeMethod.Ecp384 => 96,
        KeyExchangeMethod.Curve25519 => 32,
        _ => 0,
    };
}
