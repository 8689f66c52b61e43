using System.Security.Cryptography;
using Overlay.Ike.Encoding;

namespace Overlay.Ike.Crypto;

/// <summary>
/// ENCR_AES_GCM_16 for the SK payload (RFC 5282): 8-octet explicit IV, nonce = 4-octet salt
/// (the last 4 octets of SK_e) | IV, 16-octet ICV, and associated data = the IKE header and every
/// octet up to the end of the SK (or SKF) header, i.e. all octets before the IV (RFC 5282 §5.1).
/// </summary>
public sealed class AesGcmSkCipher : SkCipher
{
    private readonly AesGcm _aes;
    private readonly byte[] _salt;

    public AesGcmSkCipher(byte[] keyWithSalt)
    {
        var keyLength = keyWithSalt.Length - IkeConstants.AesGcmSaltLength;
        if (keyLength is not (16 or 24 or 32))
        {
            throw new ArgumentException("AES-GCM key with salt must be 20, 28 or 36 octets", nameof(keyWithSalt));
        }

        _aes = new AesGcm(keyWithSalt.AsSpan(0, keyLength), IkeConstants.AesGcm16IcvLength);
        _salt = keyWithSalt.AsSpan(keyLength).ToArray();
    }

    public override int IvLength => IkeConstants.AesGcmIvLength;

    public override int IcvLength => IkeConstants.AesGcm16IcvLength;

    // GCM is a stream mode; the pad length octet alone satisfies §3.14.
    public override int BlockSize => 1;

    protected override bool TryDecryptCore(ReadOnlySpan<byte> message, int ivOffset, Span<byte> decrypted)
    {
        Span<byte> nonce = stackalloc byte[12];
        _salt.CopyTo(nonce);
        message.Slice(ivOffset, IvLength).CopyTo(nonce[4..]);
        var ciphertext = message.Slice(ivOffset + IvLength, decrypted.Length);
        var tag = message.Slice(ivOffset + IvLength + decrypted.Length, IcvLength);
        try
        {
            _aes.Decrypt(nonce, ciphertext, tag, decrypted, message[..ivOffset]);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }

    protected override void EncryptCore(Span<byte> message, int ivOffset)
    {
        Span<byte> nonce = stackalloc byte[12];
        _salt.CopyTo(nonce);
        message.Slice(ivOffset, IvLength).CopyTo(nonce[4..]);
        var dataLength = message.Length - ivOffset - IvLength - IcvLength;
        var data = message.Slice(ivOffset + IvLength, dataLength);
        var tag = message.Slice(ivOffset + IvLength + dataLength, IcvLength);
        _aes.Encrypt(nonce, data, data, tag, message[..ivOffset]);
    }

    public override void Dispose() => _aes.Dispose();
}
