using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Overlay.DataPlane.Sequence;

/// <summary>
/// Names the sequence state of one outbound SA without its key: the SPI and a fingerprint of the key
/// material (AES key and salt). A new key under the same SPI is another name, so it starts from 1; the
/// same key under the same SPI finds its old state, whatever the config file around it says.
/// </summary>
/// <param name="Spi">The SA's SPI.</param>
/// <param name="KeyFingerprint">32 lower-case hex digits (see <see cref="For"/>).</param>
public readonly record struct SequenceStateKey(uint Spi, string KeyFingerprint)
{
    /// <summary>Domain separation for the fingerprint, so it matches no other use of the key.</summary>
    private static ReadOnlySpan<byte> Label => "tvd-overlay esp outbound sequence state v1"u8;

    /// <summary>
    /// HMAC-SHA256 keyed with the key material over a fixed label and the SPI, truncated to 128 bits. It names
    /// the key without revealing it: it is a MAC under the key itself, so it helps no one who does not hold
    /// the key already (and the state directory is the daemon's alone).
    /// </summary>
    public static SequenceStateKey For(uint spi, ReadOnlySpan<byte> keyMaterial)
    {
        if (keyMaterial.IsEmpty)
        {
            throw new ArgumentException("key material is empty", nameof(keyMaterial));
        }

        Span<byte> message = stackalloc byte[Label.Length + sizeof(uint)];
        Label.CopyTo(message);
        BinaryPrimitives.WriteUInt32BigEndian(message[Label.Length..], spi);
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(keyMaterial, message, mac);
        return new SequenceStateKey(spi, Convert.ToHexStringLower(mac[..16]));
    }

    /// <summary>The state's file name: <c>esp-seq-SPI-FINGERPRINT</c> (SPI as 8 hex digits).</summary>
    public string FileName => $"esp-seq-{Spi:x8}-{KeyFingerprint}";

    public override string ToString() => $"SA 0x{Spi:x8} key {KeyFingerprint}";
}
