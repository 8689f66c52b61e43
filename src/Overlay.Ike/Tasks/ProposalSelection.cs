using Overlay.Ike.Crypto;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Sa;

namespace Overlay.Ike.Tasks;

/// <summary>
/// Proposal choice (RFC 7296 §2.7, §3.3.6). The responder picks one initiator proposal and, from
/// it, one transform of each type, and echoes the initiator's proposal number; it walks its own
/// suites in preference order (strongSwan's prefer_configured_proposals). The initiator accepts
/// an answer only if it is exactly one proposal that matches a suite it offered.
/// </summary>
public static class ProposalSelection
{
    /// <summary>The IKE SA payload an initiator sends: one proposal per configured suite.</summary>
    /// <param name="spi">Empty in IKE_SA_INIT; the new SPI of the sender when rekeying the IKE SA (RFC 7296 §1.3.2).</param>
    public static SecurityAssociationPayload OfferIke(IReadOnlyList<IkeCipherSuite> suites, byte[]? spi = null)
        => new(suites.Select((s, i) => new Proposal((byte)(i + 1), IkeProtocolId.Ike, spi ?? [], s.ToTransforms(IkeProtocolId.Ike))).ToList());

    /// <summary>
    /// Responder: the first of our suites some initiator proposal offers, preferring one whose KE
    /// group is the one in KEi (so no INVALID_KE_PAYLOAD round is needed). Null: NO_PROPOSAL_CHOSEN.
    /// </summary>
    public static (IkeCipherSuite Suite, Proposal Chosen)? SelectIke(SecurityAssociationPayload offered, IReadOnlyList<IkeCipherSuite> ours, KeyExchangeMethod keiGroup)
    {
        (IkeCipherSuite, Proposal)? fallback = null;
        foreach (var suite in ours)
        {
            foreach (var p in offered.Proposals)
            {
                if (p.Protocol != IkeProtocolId.Ike || !Offers(p, suite))
                {
                    continue;
                }

                var chosen = new Proposal(p.Number, IkeProtocolId.Ike, [], suite.ToTransforms(IkeProtocolId.Ike));
                if (suite.KeyExchange == keiGroup)
                {
                    return (suite, chosen);
                }

                fallback ??= (suite, chosen);
            }
        }

        return fallback;
    }

    /// <summary>Initiator: the suite the responder chose, if its answer is one proposal we offered.</summary>
    public static IkeCipherSuite? AcceptIke(SecurityAssociationPayload answer, IReadOnlyList<IkeCipherSuite> ours)
    {
        if (answer.Proposals.Count != 1 || answer.Proposals[0].Protocol != IkeProtocolId.Ike
            || !IkeCipherSuite.TryFromProposal(answer.Proposals[0], out var suite, out _))
        {
            return null;
        }

        return ours.FirstOrDefault(s => s == suite);
    }

    private static bool Offers(Proposal p, IkeCipherSuite suite)
    {
        bool encr = false, prf = false, integ = suite.IsAead, ke = false;
        foreach (var t in p.Transforms)
        {
            switch (t.Type)
            {
                case TransformType.Encryption:
                    encr |= t.Id == (ushort)suite.Encryption && t.KeyLengthBits == suite.EncryptionKeyBits;
                    break;
                case TransformType.Prf:
                    prf |= t.Id == (ushort)suite.Prf.Algorithm;
                    break;
                case TransformType.Integrity:
                    integ |= !suite.IsAead && t.Id == (ushort)suite.Integrity;
                    break;
                case TransformType.KeyExchange:
                    ke |= t.Id == (ushort)suite.KeyExchange;
                    break;
            }
        }

        return encr && prf && integ && ke;
    }

    /// <summary>The ESP SA payload an initiator sends: one proposal per suite, all with our inbound SPI.</summary>
    public static SecurityAssociationPayload OfferEsp(IReadOnlyList<EspSuite> suites, uint inboundSpi, bool withKeyExchange = true)
        => new(suites.Select((s, i) => s.ToProposal((byte)(i + 1), inboundSpi, withKeyExchange)).ToList());

    /// <summary>Responder: our first ESP suite an initiator proposal offers, with that proposal (for its number and SPI).</summary>
    public static (EspSuite Suite, Proposal Offered)? SelectEsp(SecurityAssociationPayload offered, IReadOnlyList<EspSuite> ours, bool withKeyExchange = true)
    {
        foreach (var suite in ours)
        {
            foreach (var p in offered.Proposals)
            {
                if (suite.IsOfferedBy(p, withKeyExchange) && p.Spi.Length == IkeConstants.ChildSpiLength)
                {
                    return (suite, p);
                }
            }
        }

        return null;
    }

    /// <summary>Initiator: the ESP suite of the answer and the peer's SPI, if it is one proposal we offered.</summary>
    public static (EspSuite Suite, uint PeerSpi)? AcceptEsp(SecurityAssociationPayload answer, IReadOnlyList<EspSuite> ours, bool withKeyExchange = true)
    {
        if (answer.Proposals.Count != 1 || answer.Proposals[0] is not { Protocol: IkeProtocolId.Esp } p
            || p.Spi.Length != IkeConstants.ChildSpiLength
            || p.Transforms.Count(t => t.Type == TransformType.Encryption) != 1)
        {
            return null;
        }

        var suite = ours.FirstOrDefault(s => s.IsOfferedBy(p, withKeyExchange));
        return suite is null ? null : (suite, EspSuite.SpiValue(p.Spi));
    }
}
