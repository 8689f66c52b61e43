using System.Buffers.Binary;
using System.Security.Cryptography;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Sa;

namespace Overlay.DataPlane.Tests.Esp;

/// <summary>
/// Builds ESP packets straight from <see cref="AesGcm"/>, independent of <see cref="EspSa"/>, so
/// tests can send validly encrypted packets with malformed contents (bad padding, odd next header).
/// </summary>
internal static class EspPacketCrafter
{
    public static byte[] Craft(SaDescriptor sa, ulong seq, ReadOnlySpan<byte> plaintextWithTrailer)
    {
        ReadOnlySpan<byte> keyMaterial = sa.Key.Span;
        int keySize = sa.Cipher.KeySize();
        var packet = new byte[EspConstants.PayloadOffset + plaintextWithTrailer.Length + EspConstants.GcmIcvSize];
        BinaryPrimitives.WriteUInt32BigEndian(packet, sa.Spi);
        BinaryPrimitives.WriteUInt32BigEndian(packet.AsSpan(4), (uint)seq);
        BinaryPrimitives.WriteUInt64BigEndian(packet.AsSpan(8), seq ^ 0x5a5a5a5a5a5a5a5a);

        var nonce = new byte[12];
        keyMaterial[keySize..].CopyTo(nonce);
        packet.AsSpan(8, 8).CopyTo(nonce.AsSpan(4));

        byte[] aad = sa.ExtendedSequenceNumbers ? new byte[12] : new byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(aad, sa.Spi);
        if (sa.ExtendedSequenceNumbers)
        {
            BinaryPrimitives.WriteUInt64BigEndian(aad.AsSpan(4), seq);
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(aad.AsSpan(4), (uint)seq);
        }

        using var aes = new AesGcm(keyMaterial[..keySize], EspConstants.GcmIcvSize);
        aes.Encrypt(
            nonce,
            plaintextWithTrailer,
            packet.AsSpan(EspConstants.PayloadOffset, plaintextWithTrailer.Length),
            packet.AsSpan(EspConstants.PayloadOffset + plaintextWithTrailer.Length),
            aad);
        return packet;
    }

    /// <summary>payload | 1..pad | pad | next header, with <paramref name="pad"/> bytes overridable.</summary>
    public static byte[] Plaintext(ReadOnlySpan<byte> payload, byte nextHeader, byte[]? padBytes = null, int? padLengthField = null)
    {
        int pad = padBytes?.Length ?? EspSa.GetPadLength(payload.Length);
        var plain = new byte[payload.Length + pad + 2];
        payload.CopyTo(plain);
        for (int i = 0; i < pad; i++)
        {
            plain[payload.Length + i] = padBytes?[i] ?? (byte)(i + 1);
        }

        plain[^2] = (byte)(padLengthField ?? pad);
        plain[^1] = nextHeader;
        return plain;
    }
}
