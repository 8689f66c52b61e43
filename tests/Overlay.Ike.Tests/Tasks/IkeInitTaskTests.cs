using Overlay.Ike.Crypto;
using Overlay.Ike.Encoding;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Sa;
using Overlay.Ike.Tests.Sa.Helpers;
using static Overlay.Ike.Tests.Sa.Helpers.ExchangeHarness;

namespace Overlay.Ike.Tests.Tasks;

public sealed class IkeInitTaskTests
{
    private static readonly IkeCipherSuite Ecp256Only =
        new(EncryptionAlgorithm.AesGcm16, 256, IkePrf.HmacSha384, IntegrityAlgorithm.None, KeyExchangeMethod.Ecp256);

    [Fact]
    public void Invalid_ke_payload_makes_the_initiator_retry_with_the_requested_group()
    {
        using var h = new ExchangeHarness(configureB: c => c with { IkeProposals = [Ecp256Only] });
        var i = h.Start(RedChild);

        // HDR, SAi1, KEi(Curve25519), Ni  -->
        var m1 = h.DeliverToResponder();
        Assert.Equal(KeyExchangeMethod.Curve25519, m1.Find<KeyExchangePayload>()!.Group);

        //                   <--  HDR, N(INVALID_KE_PAYLOAD, ECP-256)
        var m2 = h.DeliverToInitiator();
        Assert.Equal(KeyExchangeMethod.Ecp256, Assert.Single(m2.Payloads.OfType<NotifyPayload>()).RequestedGroup);
        Assert.Single(m2.Payloads);
        Assert.Equal(0ul, m2.Header.ResponderSpi);
        Assert.Empty(h.B.Manager.Sas); // the responder keeps no state for a refused IKE_SA_INIT

        // HDR, SAi1, KEi(ECP-256), Ni  -->   (same SPIi, message ID 0 again)
        var m3 = h.DeliverToResponder();
        Assert.Equal((i.InitiatorSpi, 0u, 0ul), (m3.Header.InitiatorSpi, m3.Header.MessageId, m3.Header.ResponderSpi));
        Assert.Equal(KeyExchangeMethod.Ecp256, m3.Find<KeyExchangePayload>()!.Group);
        Assert.Equal(64, m3.Find<KeyExchangePayload>()!.Data.Length);

        //                   <--  HDR, SAr1, KEr(ECP-256), Nr
        h.DeliverToInitiator();
        Assert.Equal(KeyExchangeMethod.Ecp256, i.Suite!.KeyExchange);
        // IKE_AUTH signs the IKE_SA_INIT request that succeeded, so AUTH verifies on both sides.
        h.DeliverToResponder();
        h.DeliverToInitiator();
        Assert.Equal(IkeSaState.Established, i.State);
        Assert.Equal(IkeSaState.Established, h.Responder!.State);
        Assert.Single(h.A.Sink.Installed);
    }

    [Fact]
    public void Cookie_is_echoed_first_in_the_retried_request_with_the_same_nonce()
    {
        using var h = new ExchangeHarness();
        var i = h.Start(RedChild);
        var first = h.A.Sender.Outbox.Dequeue();
        Assert.True(IkeMessage.TryParse(first, out var m1, out _));

        //                   <--  HDR, N(COOKIE)
        var cookie = Convert.FromHexString("00112233445566778899aabbccddeeff");
        var answer = new IkeMessage(
            new IkeHeader(i.InitiatorSpi, 0, IkePayloadType.NoNextPayload, IkeExchangeType.IkeSaInit, IkeHeaderFlags.Response, 0, 0),
            [new NotifyPayload(NotifyType.Cookie, cookie)]);
        i.Receive(answer.ToArray());

        // HDR, N(COOKIE), SAi1, KEi, Ni  -->
        var m2 = h.DeliverToResponder();
        var n = Assert.IsType<NotifyPayload>(m2.Payloads[0]);
        Assert.Equal(NotifyType.Cookie, n.Type);
        Assert.Equal(cookie, n.Data);
        Assert.Equal(m1.Find<NoncePayload>()!.Data, m2.Find<NoncePayload>()!.Data);
        Assert.Equal(m1.Find<KeyExchangePayload>()!.Data, m2.Find<KeyExchangePayload>()!.Data);
        Assert.Equal((i.InitiatorSpi, 0u), (m2.Header.InitiatorSpi, m2.Header.MessageId));
        // The responder ignores a cookie it did not ask for and the exchange completes.
        h.DeliverToInitiator();
        h.DeliverToResponder();
        h.DeliverToInitiator();
        Assert.Equal(IkeSaState.Established, i.State);
    }

    [Fact]
    public void No_common_proposal_is_answered_with_no_proposal_chosen()
    {
        var cbc = new IkeCipherSuite(EncryptionAlgorithm.AesCbc, 128, IkePrf.HmacSha256, IntegrityAlgorithm.HmacSha2_256_128, KeyExchangeMethod.Modp2048);
        using var h = new ExchangeHarness(configureB: c => c with { IkeProposals = [cbc] });
        var i = h.Start(RedChild);
        // HDR, SAi1, KEi, Ni  -->
        h.DeliverToResponder();
        //                   <--  HDR, N(NO_PROPOSAL_CHOSEN)
        var m2 = h.DeliverToInitiator();
        Assert.Equal([NotifyType.NoProposalChosen], Notifies(m2));
        Assert.Equal(IkeSaState.Destroyed, i.State);
        Assert.Equal("peer answered NoProposalChosen", i.FailureReason);
        Assert.Empty(h.A.Manager.Sas);
        Assert.Empty(h.B.Manager.Sas);
    }

    [Fact]
    public void Responder_echoes_the_initiators_proposal_number_with_one_transform_per_type()
    {
        var x25519 = IkeSaConfig.DefaultIkeProposals[0];
        using var h = new ExchangeHarness(configureB: c => c with { IkeProposals = [Ecp256Only, x25519] });
        h.Start(RedChild);
        h.DeliverToResponder();
        var m2 = h.DeliverToInitiator();
        var chosen = Assert.Single(m2.Find<SecurityAssociationPayload>()!.Proposals);
        // B prefers ECP-256 but takes Curve25519 since that is what KEi holds: no extra round trip.
        Assert.Equal(1, chosen.Number);
        Assert.Equal((ushort)KeyExchangeMethod.Curve25519, chosen.Find(TransformType.KeyExchange)!.Id);
        Assert.Equal(3, chosen.Transforms.Count); // ENCR, PRF, KE (AEAD: no INTEG)
    }
}
