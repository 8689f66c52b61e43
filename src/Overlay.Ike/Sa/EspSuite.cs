using Overlay.Ike.Encoding.Payloads;

namespace Overlay.Ike.Sa;

/// <summary>
/// An ESP transform set this daemon negotiates: ENCR_AES_GCM_16 (RFC 4106) with 128- or 256-bit
/// keys, with or without Extended Sequence Numbers (RFC 7296 §3.3.2 transform type 5). GCM is
/// combined-mode, so there is no integrity transform (RFC 4106 §8.1, RFC 7296 §3.3). With a
/// <see cref="KeyExchange"/> group, CREATE_CHILD_SA carries KEi/KEr for perfect forward secrecy
/// (§1.3.1, §2.17); inside IKE_AUTH the group is left out because that exchange has no KE (§1.2).
/// </summary>
public sealed record EspSuite(int KeyBits, bool ExtendedSequenceNumbers = true, KeyExchangeMethod KeyExchange = KeyExchangeMethod.None)
{
    public static readonly EspSuite AesGcm16_128 = new(128);
    public static readonly EspSuite AesGcm16_256 = new(256);

    public EncryptionAlgorithm Encryption => EncryptionAlgorithm.AesGcm16;

    /// <summary>Key octets taken from KEYMAT per direction: the AES key plus the 4-octet salt (RFC 4106 §8.1).</summary>
    public int KeyMaterialLength => KeyBits / 8 + IkeConstants.AesGcmSaltLength;

    /// <param name="withKeyExchange">False inside IKE_AUTH, which has no KE payload (RFC 7296 §1.2).</param>
    public Proposal ToProposal(byte number, uint spi, bool withKeyExchange = true)
    {
        var transforms = new List<Transform>
        {
            new(TransformType.Encryption, (ushort)Encryption, [TransformAttribute.KeyLength((ushort)KeyBits)]),
        };
        if (withKeyExchange && KeyExchange != KeyExchangeMethod.None)
        {
            transforms.Add(new Transform(TransformType.KeyExchange, (ushort)KeyExchange));
        }

        transforms.Add(new Transform(TransformType.ExtendedSequenceNumbers, (ushort)(ExtendedSequenceNumbers ? EsnValue.Esn : EsnValue.NoEsn)));
        return new Proposal(number, IkeProtocolId.Esp, SpiBytes(spi), transforms);
    }

    /// <summary>
    /// True when <paramref name="proposal"/> offers this suite: ESP, AES-GCM-16 with our key length,
    /// no integrity other than none, our ESN choice among its ESN transforms and, when
    /// <paramref name="withKeyExchange"/>, our KE group (or, without PFS, no group other than NONE).
    /// </summary>
    public bool IsOfferedBy(Proposal proposal, bool withKeyExchange = true)
    {
        if (proposal.Protocol != IkeProtocolId.Esp)
        {
            return false;
        }

        bool encr = false, esn = false, anyKe = false, ourKe = false;
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
                case TransformType.KeyExchange:
                    anyKe |= t.Id != (ushort)KeyExchangeMethod.None;
                    ourKe |= t.Id == (ushort)KeyExchange;
                    break;
            }
        }

        var keOk = !withKeyExchange || (KeyExchange == KeyExchangeMethod.None ? !anyKe || ourKe : ourKe);
        // A proposal without an ESN transform means "no ESN" (RFC 7296 §3.3.2 requires it for ESP, be lenient).
        var hasEsnTransform = proposal.Find(TransformType.ExtendedSequenceNumbers) is not null;
        return keOk && encr && (esn || (!hasEsnTransform && !ExtendedSequenceNumbers));
    }

    public static byte[] SpiBytes(uint spi)
    {
        var bytes = new byte[IkeConstants.ChildSpiLength];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes, spi);
        return bytes;
    }

    public static uint SpiValue(ReadOnlySpan<byte> spi) => System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(spi);

    public override string ToString()
        => $"aes{KeyBits}gcm16{(KeyExchange == KeyExchangeMethod.None ? "" : "-" + KeyExchange)}{(ExtendedSequenceNumbers ? "-esn" : "")}";
}
