using System.Security.Cryptography;

namespace Overlay.Ike.Crypto;

/// <summary>
/// ENCR_AES_CBC (RFC 3602) with AUTH_HMAC_SHA2_*_* (RFC 4868) for the SK payload (RFC 7296 §3.14):
/// a random 16-octet IV, and an ICV (the truncated HMAC) computed over the whole message from the
/// IKE header to the last encrypted octet, checked before anything is decrypted.
/// </summary>
public sealed class AesCbcHmacSkCipher : SkCipher
{
    private readonly Aes _aes;
    private readonly byte[] _integrityKey;
    private readonly IntegrityAlgorithm _integrity;

    public AesCbcHmacSkCipher(byte[] encryptionKey, byte[] integrityKey, IntegrityAlgorithm integrity)
    {
        _aes = Aes.Create();
        _aes.Key = encryptionKey;
        _integrityKey = integrityKey;
        _integrity = integrity;
        IcvLength = integrity switch
        {
            IntegrityAlgorithm.HmacSha2_256_128 => 16,
            IntegrityAlgorithm.HmacSha2_384_192 => 24,
            IntegrityAlgorithm.HmacSha2_512_256 => 32,
            _ => throw new ArgumentException($"no integrity algorithm {integrity}", nameof(integrity)),
        };
    }

    public override int IvLength => Overlay.Ike.IkeConstants.AesCbcIvLength;

    public override int IcvLength { get; }

    public override int BlockSize => 16;

    protected override bool TryDecryptCore(ReadOnlySpan<byte> message, int ivOffset, Span<byte> decrypted)
    {
        var covered = message[..^IcvLength];
        Span<byte> mac = stackalloc byte[64];
        Mac(covered, mac);
        if (!CryptographicOperations.FixedTimeEquals(mac[..IcvLength], message[^IcvLength..]))
        {
            return false;
        }

        var iv = message.Slice(ivOffset, IvLength);
        var ciphertext = message.Slice(ivOffset + IvLength, decrypted.Length);
        _aes.DecryptCbc(ciphertext, iv, decrypted, PaddingMode.None);
        return true;
    }

    protected override void EncryptCore(Span<byte> message, int ivOffset)
    {
        var dataLength = message.Length - ivOffset - IvLength - IcvLength;
        var data = message.Slice(ivOffset + IvLength, dataLength);
        _aes.EncryptCbc(data, message.Slice(ivOffset, IvLength), data, PaddingMode.None);
        Span<byte> mac = stackalloc byte[64];
        Mac(message[..^IcvLength], mac);
        mac[..IcvLength].CopyTo(message[^IcvLength..]);
    }

    private int Mac(ReadOnlySpan<byte> data, Span<byte> destination) => _integrity switch
    {
        IntegrityAlgorithm.HmacSha2_256_128 => HMACSHA256.HashData(_integrityKey, data, destination),
        IntegrityAlgorithm.HmacSha2_384_192 => HMACSHA384.HashData(_integrityKey, data, destination),
        _ => HMACSHA512.HashData(_integrityKey, data, destination),
    };

    public override void Dispose() => _aes.Dispose();
}
