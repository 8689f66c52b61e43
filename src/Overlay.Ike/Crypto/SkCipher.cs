using Overlay.Ike.Encoding;

namespace Overlay.Ike.Crypto;

/// <summary>
/// One direction of SK/SKF payload protection (RFC 7296 §3.14, RFC 7383 §2.5, RFC 5282 §5).
/// Works on the whole serialized message because both the integrity check (CBC+HMAC: from the
/// first octet of the IKE header to the end of the encrypted data) and the AEAD associated data
/// (GCM: from the IKE header to the end of the SK/SKF header) cover the octets before the IV.
/// </summary>
public abstract class SkCipher : IDisposable
{
    public abstract int IvLength { get; }

    public abstract int IcvLength { get; }

    /// <summary>The encrypted part (payloads + padding + pad length) must be a multiple of this (§3.14).</summary>
    public abstract int BlockSize { get; }

    /// <summary>Creates the cipher for keys of one direction (SK_ei/SK_ai for what the initiator sends, SK_er/SK_ar otherwise).</summary>
    public static SkCipher Create(IkeCipherSuite suite, byte[] encryptionKey, byte[] integrityKey) => suite.Encryption switch
    {
        EncryptionAlgorithm.AesGcm16 => new AesGcmSkCipher(encryptionKey),
        EncryptionAlgorithm.AesCbc => new AesCbcHmacSkCipher(encryptionKey, integrityKey, suite.Integrity),
        _ => throw new ArgumentException($"no SK cipher for {suite.Encryption}", nameof(suite)),
    };

    /// <summary>Octets of SK body (IV + encrypted data + ICV) for <paramref name="plaintextLength"/> octets of inner payloads.</summary>
    public int GetProtectedLength(int plaintextLength) => IvLength + PaddedLength(plaintextLength) + IcvLength;

    /// <summary>Payloads + padding + the pad length octet, rounded up to <see cref="BlockSize"/>.</summary>
    public int PaddedLength(int plaintextLength)
    {
        var withPadLength = plaintextLength + 1;
        return (withPadLength + BlockSize - 1) / BlockSize * BlockSize;
    }

    /// <summary>
    /// Verifies and decrypts. <paramref name="message"/> is the whole IKE message and
    /// <paramref name="ivOffset"/> where the IV starts; everything after it is the protected body.
    /// An ICV mismatch is a silent drop (RFC 7296 §2.21.1); bad padding after a good ICV is INVALID_SYNTAX.
    /// </summary>
    public bool TryDecrypt(ReadOnlySpan<byte> message, int ivOffset, out byte[] plaintext, out IkeParseError error)
    {
        plaintext = [];
        var encryptedLength = message.Length - ivOffset - IvLength - IcvLength;
        if (ivOffset < IkeConstants.HeaderLength || encryptedLength < 1 || encryptedLength % BlockSize != 0)
        {
            error = IkeParseError.Syntax("SK payload too short or not a multiple of the block size", IkePayloadType.Encrypted);
            return false;
        }

        var decrypted = new byte[encryptedLength];
        if (!TryDecryptCore(message, ivOffset, decrypted))
        {
            error = IkeParseError.SilentDrop("SK integrity check failed", IkePayloadType.Encrypted);
            return false;
        }

        var padLength = decrypted[^1];
        if (padLength + 1 > decrypted.Length)
        {
            error = IkeParseError.Syntax("SK pad length exceeds the encrypted data", IkePayloadType.Encrypted);
            return false;
        }

        plaintext = decrypted.AsSpan(0, decrypted.Length - padLength - 1).ToArray();
        error = IkeParseError.None;
        return true;
    }

    /// <summary>
    /// Encrypts in place. <paramref name="message"/> holds the header and SK header before
    /// <paramref name="ivOffset"/>, then room for the IV, the plaintext with padding and pad length
    /// already written, and room for the ICV at the end.
    /// </summary>
    public void Encrypt(Span<byte> message, int ivOffset, ReadOnlySpan<byte> iv)
    {
        iv.CopyTo(message.Slice(ivOffset, IvLength));
        EncryptCore(message, ivOffset);
    }

    protected abstract bool TryDecryptCore(ReadOnlySpan<byte> message, int ivOffset, Span<byte> decrypted);

    protected abstract void EncryptCore(Span<byte> message, int ivOffset);

    public abstract void Dispose();
}
