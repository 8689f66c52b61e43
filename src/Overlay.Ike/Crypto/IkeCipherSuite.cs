using Overlay.Ike.Encoding;
using Overlay.Ike.Encoding.Payloads;

namespace Overlay.Ike.Crypto;

/// <summary>
/// The algorithms an IKE SA (or CHILD_SA) runs with, as chosen from one proposal, and the key
/// lengths they imply (RFC 7296 §2.14, RFC 5282 §7.1 for the AES-GCM salt, RFC 4868 §2.1 for
/// HMAC-SHA2 key sizes).
/// </summary>
public sealed record IkeCipherSuite(
    EncryptionAlgorithm Encryption, int EncryptionKeyBits, IkePrf Prf, IntegrityAlgorithm Integrity, KeyExchangeMethod KeyExchange)
{
    /// <summary>Combined-mode (AEAD) ciphers need no separate integrity key (RFC 5282 §7.1).</summary>
    public bool IsAead => Encryption == EncryptionAlgorithm.AesGcm16;

    /// <summary>SK_ei/SK_er length: the AES key plus, for GCM, the 4-octet salt (RFC 5282 §7.1).</summary>
    public int EncryptionKeyLength => EncryptionKeyBits / 8 + (IsAead ? IkeConstants.AesGcmSaltLength : 0);

    /// <summary>SK_ai/SK_ar length (RFC 4868 §2.1.1: the key is the hash output size).</summary>
    public int IntegrityKeyLength => Integrity switch
    {
        IntegrityAlgorithm.HmacSha2_256_128 => 32,
        IntegrityAlgorithm.HmacSha2_384_192 => 48,
        IntegrityAlgorithm.HmacSha2_512_256 => 64,
        _ => 0,
    };

    /// <summary>
    /// Reads the suite from a single-choice proposal (a responder's answer, or one we built).
    /// Missing or unsupported transforms give NO_PROPOSAL_CHOSEN.
    /// </summary>
    public static bool TryFromProposal(Proposal proposal, out IkeCipherSuite suite, out IkeParseError error)
    {
        suite = null!;
        var encr = proposal.Find(TransformType.Encryption);
        var prfTransform = proposal.Find(TransformType.Prf);
        var integ = proposal.Find(TransformType.Integrity);
        var ke = proposal.Find(TransformType.KeyExchange);
        var prf = prfTransform is null ? IkePrf.HmacSha256 : IkePrf.For((PrfAlgorithm)prfTransform.Id);
        var algorithm = (EncryptionAlgorithm)(encr?.Id ?? 0);
        var bits = encr?.KeyLengthBits ?? 0;
        var integrity = (IntegrityAlgorithm)(integ?.Id ?? 0);
        var supported = encr is not null && prf is not null
            && algorithm is EncryptionAlgorithm.AesCbc or EncryptionAlgorithm.AesGcm16
            && bits is 128 or 192 or 256
            && (algorithm == EncryptionAlgorithm.AesGcm16
                ? integrity == IntegrityAlgorithm.None
                : integrity is IntegrityAlgorithm.HmacSha2_256_128 or IntegrityAlgorithm.HmacSha2_384_192 or IntegrityAlgorithm.HmacSha2_512_256)
            && (proposal.Protocol != IkeProtocolId.Ike || prfTransform is not null);
        if (!supported)
        {
            error = new IkeParseError(NotifyType.NoProposalChosen, "proposal uses an algorithm we do not implement", IkePayloadType.SecurityAssociation);
            return false;
        }

        suite = new IkeCipherSuite(algorithm, bits, prf!, integrity, (KeyExchangeMethod)(ke?.Id ?? 0));
        error = IkeParseError.None;
        return true;
    }

    /// <summary>The suite as proposal keywords (<c>aes256gcm16-prfsha384-x25519</c>, <see cref="ProposalText.Format"/>).</summary>
    public override string ToString() => ProposalText.Format(this);

    /// <summary>The transforms that describe this suite, in the order strongSwan lists them (ENCR, INTEG, PRF, KE).</summary>
    public IReadOnlyList<Transform> ToTransforms(IkeProtocolId protocol)
    {
        var list = new List<Transform>
        {
            new(TransformType.Encryption, (ushort)Encryption, [TransformAttribute.KeyLength((ushort)EncryptionKeyBits)]),
        };
        if (!IsAead)
        {
            list.Add(new Transform(TransformType.Integrity, (ushort)Integrity));
        }

        if (protocol == IkeProtocolId.Ike)
        {
            list.Add(new Transform(TransformType.Prf, (ushort)Prf.Algorithm));
        }

        if (KeyExchange != KeyExchangeMethod.None)
        {
            list.Add(new Transform(TransformType.KeyExchange, (ushort)KeyExchange));
        }

        return list;
    }
}
