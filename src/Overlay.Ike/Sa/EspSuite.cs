using Overlay.Ike.Encoding.Payloads;

namespace Overlay.Ike.Sa;

/// <summary>
/// An ESP transform set this daemon negotiates: ENCR_AES_GCM_16 (RFC 4106) with 128- or 256-bit
/// keys, with or without Extended Sequence Numbers (RFC 7296 §3.3.2 transform type 5). GCM is
/// combined-mode, so there is no integrity transform (RFC 4106 §8.1, RFC 7296 §3.3).
/// </summary>
public sealed record EspSuite(int KeyBits, bool ExtendedSequenceNumbers = true)
{
    public static readonly EspSuite AesGcm16_128 = new(128);
    public static readonly EspSuite AesGcm16_256 = new(256);

    public EncryptionAlgorithm Encryption => EncryptionAlgorithm.AesGcm16;

    /// <summary>Key octets taken from KEYMAT per direction: the AES key plus the 4-octet salt (RFC 4106 §8.1).</summary>
    public int KeyMaterialLength => KeyBits / 8 + IkeConstants.AesGcmSaltLength;

    public Proposal ToProposal(byte number, uint spi)
        => new(number, IkeProtocolId.Esp, SpiBytes(spi),
        [
            new Transform(TransformType.Encryption, (ushort)Encryption, [TransformAttribute.KeyLength((ushort)KeyBits)]),
            new Transform(TransformType.ExtendedSequenceNumbers, (ushort)(ExtendedSequenceNumbers ? EsnValue.Esn : EsnValue.NoEsn)),
        ]);

    /// <summary>
    /// True when <paramref name="proposal"/> offers this suite: ESP, AES-GCM-16 with our key length,
    /// no integrity other than none, no KE (we do not use PFS) and our ESN choice among its ESN transforms.
    /// </summary>
    public bool IsOfferedBy(Proposal proposal)
    {
        if (proposal.Protocol != IkeProtocolId.Esp)
        {
            return false;
        }
        bool encr = false, esn = false;
        foreach (var t in proposal.Transforms)
        {
            switch (t.Type)
            {
                case TransformType.Encryption:
                    encr |= t.Id == (ushort)Encryption && t.KeyLengthBits == KeyBits;
                    break;
                case TransformType.ExtendedSequenceNumbers:
                    esn |= t.Id == (ushort)(ExtendedSequenceNumbers ? EsnValue.Esn : EsnValue.NoEsn);
                    break;
                case TransformType.Integrity when t.Id != (ushort)IntegrityAlgorithm.None:
                    break; // an extra INTEG alternative is fine; we simply do not pick it
            }
        }
        // A proposal without an ESN transform means "no ESN" (RFC 7296 §3.3.2 requires it for ESP, be lenient).
        var hasEsnTransform = proposal.Find(TransformType.ExtendedSequenceNumbers) is not null;
        return encr && (esn || (!hasEsnTransform && !ExtendedSequenceNumbers));
    }

    public static byte[] SpiBytes(uint spi)
    {
        var bytes = new byte[IkeConstants.ChildSpiLength];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, spi);
        return bytes;
    }

    public static uint SpiValue(ReadOnlySpan<byte> spi) => System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(spi);

    public override string ToString() => $"aes{KeyBits}gcm16{(ExtendedSequenceNumbers ? "-esn" : "")}";
}
