using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Sa;
using Overlay.Ike.Tasks;
using Overlay.Ike.Tests.Sa.Helpers;
using static Overlay.Ike.IkePayloadType;
using static Overlay.Ike.Tests.Sa.Helpers.ExchangeHarness;

namespace Overlay.Ike.Tests.Tasks;

public sealed class ChildRekeyTaskTests
{
    [Fact]
    public void Rekey_installs_the_new_child_sa_before_the_old_one_is_removed_on_both_sides()
    {
        using var h = new ExchangeHarness();
        var i = h.Establish(RedChild);
        var r = h.Responder!;
        var (oldI, oldR) = (i.Children[0], r.Children[0]);

        i.RekeyChildSa(oldI);
        // HDR, SK {N(REKEY_SA), SA, Ni, TSi, TSr}  -->
        var m1 = h.DeliverToResponder();
        Assert.Equal((IkeExchangeType.CreateChildSa, 2u), (m1.Header.ExchangeType, m1.Header.MessageId));
        Assert.Equal([Notify, SecurityAssociation, Nonce, TrafficSelectorInitiator, TrafficSelectorResponder], Types(m1));
        var rekey = m1.FindNotify(NotifyType.RekeySa)!;
        Assert.Equal((IkeProtocolId.Esp, oldI.InboundSpi), (rekey.Protocol, EspSuite.SpiValue(rekey.Spi)));
        Assert.Equal(["tvd:red"], m1.Payloads.OfType<TrafficSelectorPayload>().First().SecurityLabels);
        Assert.Equal(2, r.Children.Count); // the responder installs at once and keeps the old SA for now

        //                   <--  HDR, SK {SA, Nr, TSi, TSr}
        var m2 = h.DeliverToInitiator();
        Assert.Equal([SecurityAssociation, Nonce, TrafficSelectorInitiator, TrafficSelectorResponder], Types(m2));
        var (newI, newR) = (i.Children[1], r.Children[1]);
        Assert.Same(newI, oldI.ReplacedBy);
        Assert.Same(newR, oldR.ReplacedBy);
        Assert.Equal(newI.OutboundKey.ToArray(), newR.InboundKey.ToArray());
        Assert.Equal(newI.InboundKey.ToArray(), newR.OutboundKey.ToArray());
        Assert.NotEqual(oldI.OutboundKey.ToArray(), newI.OutboundKey.ToArray());
        Assert.Equal((newI.InboundSpi, newI.OutboundSpi), (newR.OutboundSpi, newR.InboundSpi));
        Assert.Equal("tvd:red", newI.Label);

        // HDR, SK {D(ESP, old SPI in)}  -->
        var m3 = h.DeliverToResponder();
        Assert.Equal(IkeExchangeType.Informational, m3.Header.ExchangeType);
        Assert.Equal(oldI.InboundSpi, EspSuite.SpiValue(Assert.Single(m3.Find<DeletePayload>()!.Spis)));
        //                   <--  HDR, SK {D(ESP, old SPI in)}
        var m4 = h.DeliverToInitiator();
        Assert.Equal(oldR.InboundSpi, EspSuite.SpiValue(Assert.Single(m4.Find<DeletePayload>()!.Spis)));

        Assert.Equal([newI], i.Children);
        Assert.Equal([newR], r.Children);
        // Make-before-break: the data plane got the new SA before it lost the old one.
        Assert.Equal([Added(oldI), Added(newI), Gone(oldI)], h.A.Sink.Events);
        Assert.Equal([Added(oldR), Added(newR), Gone(oldR)], h.B.Sink.Events);
        Assert.Equal(0, h.PendingFromA + h.PendingFromB);
    }

    [Fact]
    public void Rekey_with_pfs_carries_a_key_exchange_and_both_sides_derive_the_same_keys()
    {
        var pfs = new EspSuite(256, KeyExchange: KeyExchangeMethod.Curve25519);
        using var h = new ExchangeHarness(configureB: c => c with { Children = [ResponderTemplate with { EspProposals = [pfs] }] });
        var i = h.Establish(RedChild with { EspProposals = [pfs] });
        var r = h.Responder!;
        // IKE_AUTH had no KE: the PFS suite was negotiated without its group (RFC 7296 §1.2).
        Assert.Single(i.Children);
        var before = h.A.KeyExchanges.Created.Count;

        i.RekeyChildSa(i.Children[0]);
        // HDR, SK {N(REKEY_SA), SA, Ni, KEi, TSi, TSr}  -->
        var m1 = h.DeliverToResponder();
        Assert.Equal([Notify, SecurityAssociation, Nonce, KeyExchange, TrafficSelectorInitiator, TrafficSelectorResponder], Types(m1));
        Assert.Equal(KeyExchangeMethod.Curve25519, m1.Find<KeyExchangePayload>()!.Group);
        //                   <--  HDR, SK {SA, Nr, KEr, TSi, TSr}
        var m2 = h.DeliverToInitiator();
        Assert.Equal([SecurityAssociation, Nonce, KeyExchange, TrafficSelectorInitiator, TrafficSelectorResponder], Types(m2));
        Assert.Equal(before + 1, h.A.KeyExchanges.Created.Count);

        var (newI, newR) = (i.Children[1], r.Children[1]);
        Assert.Equal(newI.OutboundKey.ToArray(), newR.InboundKey.ToArray());
        Assert.Equal(newI.InboundKey.ToArray(), newR.OutboundKey.ToArray());
        // With g^ir in the seed the keys differ from what prf+(SK_d, Ni | Nr) alone gives (§2.17).
        var nonces = (m1.Find<NoncePayload>()!.Data, m2.Find<NoncePayload>()!.Data);
        var withoutPfs = Overlay.Ike.Crypto.ChildKeyMaterial.Derive(i.Suite!.Prf, i.Keys!.SkD, nonces.Item1, nonces.Item2, [], pfs.KeyMaterialLength, 0);
        Assert.NotEqual(withoutPfs.EncryptionInitiator, newI.OutboundKey.ToArray());
    }

    [Fact]
    public void Simultaneous_rekey_keeps_one_pair_and_deletes_the_redundant_and_the_old_sa()
    {
        using var h = new ExchangeHarness();
        var i = h.Establish(RedChild);
        var r = h.Responder!;
        var (oldI, oldR) = (i.Children[0], r.Children[0]);

        // Both peers start rekeying the same CHILD_SA before seeing the other's request (§2.8.1).
        i.RekeyChildSa(oldI);
        r.RekeyChildSa(oldR);
        // HDR, SK {N(REKEY_SA), SA, Ni, TSi, TSr}  -->   (A's request, answered by B as usual)
        var nonceA = h.DeliverToResponder().Find<NoncePayload>()!.Data;
        //       <--  HDR, SK {N(REKEY_SA), SA, Ni, TSi, TSr}   (B's request, answered by A as usual)
        var nonceB = h.DeliverToInitiator().Find<NoncePayload>()!.Data;
        //                   <--  HDR, SK {SA, Nr, TSi, TSr}   (B's answer to A)
        var nonceRespB = h.DeliverToInitiator().Find<NoncePayload>()!.Data;
        // HDR, SK {SA, Nr, TSi, TSr}  -->   (A's answer to B)
        var nonceRespA = h.DeliverToResponder().Find<NoncePayload>()!.Data;
        Assert.Equal(3, i.Children.Count);
        Assert.Equal(3, r.Children.Count);

        // Now the deletes: one side removes its redundant SA, the other the old SA.
        Pump(h);
        var survivorI = Assert.Single(i.Children);
        var survivorR = Assert.Single(r.Children);
        Assert.Equal((survivorI.InboundSpi, survivorI.OutboundSpi), (survivorR.OutboundSpi, survivorR.InboundSpi));
        Assert.Equal(survivorI.OutboundKey.ToArray(), survivorR.InboundKey.ToArray());
        Assert.DoesNotContain(oldI, i.Children);
        // Exactly one of the two exchanges lost, and the survivor is the winner's SA.
        var installed = new[] { h.A, h.B }.SelectMany(x => x.Sink.Installed).Count();
        Assert.Equal(6, installed); // old + two new SAs on each side
        // The exchange holding the lowest of the four nonces lost; the survivor is the other one's SA.
        static byte[] Min(byte[] x, byte[] y) => x.AsSpan().SequenceCompareTo(y) <= 0 ? x : y;
        var aLost = Min(nonceA, nonceRespB).AsSpan().SequenceCompareTo(Min(nonceB, nonceRespA)) < 0;
        Assert.Equal(!aLost, survivorI.CreatedByUs);
        Assert.Equal(aLost, survivorR.CreatedByUs);
        Assert.Single(h.A.Sink.Current);
        Assert.Single(h.B.Sink.Current);
    }

    [Fact]
    public void Soft_lifetime_starts_a_rekey_and_hard_lifetime_removes_an_sa_whose_rekey_never_completed()
    {
        // Hard 2 min after soft: less than the ~165 s the retransmissions of the rekey take to give up.
        var life = new SaLifetime(TimeSpan.FromMinutes(60), TimeSpan.FromMinutes(62));
        using var h = new ExchangeHarness();
        var i = h.Establish(RedChild with { Lifetime = life });
        var old = i.Children[0];
        var sent = h.A.Sender.Count;

        h.Time.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(sent, h.A.Sender.Count);
        h.Time.Advance(TimeSpan.FromMinutes(1));
        // HDR, SK {N(REKEY_SA), SA, Ni, TSi, TSr}  -->   (sent by the soft-lifetime timer; the peer never answers)
        Assert.Equal(sent + 1, h.A.Sender.Count);
        var m1 = Decode(h.A.Sender.Outbox.Last(), h.Responder);
        Assert.Equal(old.InboundSpi, EspSuite.SpiValue(m1.FindNotify(NotifyType.RekeySa)!.Spi));

        h.Time.Advance(TimeSpan.FromMinutes(1.5));
        Assert.Contains(old, i.Children);
        h.Time.Advance(TimeSpan.FromMinutes(0.5));
        Assert.DoesNotContain(old, i.Children);
        Assert.Equal(IkeSaState.Established, i.State);
        Assert.Equal([old], h.A.Sink.Removed);
        Assert.Contains("hard lifetime", i.ChildFailureReason);
    }

    [Fact]
    public void Soft_lifetime_rekey_completes_and_the_new_sa_gets_its_own_timers()
    {
        var life = new SaLifetime(TimeSpan.FromMinutes(60), TimeSpan.FromMinutes(66));
        using var h = new ExchangeHarness();
        var i = h.Establish(RedChild with { Lifetime = life });
        h.Time.Advance(TimeSpan.FromMinutes(60));
        h.DeliverToResponder();
        h.DeliverToInitiator();
        h.DeliverToResponder();
        h.DeliverToInitiator();
        var second = Assert.Single(i.Children);
        Assert.Equal(h.Time.GetUtcNow(), second.InstalledAt);

        // The replaced SA's hard timer is gone with it; the new one rekeys 60 min after its install.
        h.Time.Advance(TimeSpan.FromMinutes(59));
        Assert.Equal(0, h.PendingFromA);
        h.Time.Advance(TimeSpan.FromMinutes(1));
        var m = h.DeliverToResponder();
        Assert.Equal(second.InboundSpi, EspSuite.SpiValue(m.FindNotify(NotifyType.RekeySa)!.Spi));
    }

    [Fact]
    public void Rekey_of_a_child_sa_the_peer_is_deleting_gets_temporary_failure_and_is_not_retried_after_the_delete()
    {
        using var h = new ExchangeHarness();
        var i = h.Establish(RedChild);
        var r = h.Responder!;
        i.DeleteChildSa(i.Children[0]);
        r.RekeyChildSa(r.Children[0]);
        //       <--  HDR, SK {N(REKEY_SA), SA, Ni, TSi, TSr}   (B's request reaches A, which is deleting that SA)
        h.DeliverToInitiator();
        // HDR, SK {D(ESP, SPI)}  -->   (A's delete, sent before it saw B's request)
        h.DeliverToResponder();
        // HDR, SK {N(TEMPORARY_FAILURE)}  -->   (A's answer to B's rekey)
        var answer = h.DeliverToResponder();
        Assert.Equal(IkeExchangeType.CreateChildSa, answer.Header.ExchangeType);
        Assert.Equal([NotifyType.TemporaryFailure], Notifies(answer));
        Assert.Contains("TemporaryFailure", r.ChildFailureReason);
        //       <--  HDR, SK {D(ESP, SPI)}
        h.DeliverToInitiator();
        Assert.Empty(i.Children);
        Assert.Empty(r.Children);

        // §2.25: B retries only after a delay; by then the SA is gone and nothing is sent.
        var sent = h.B.Sender.Count;
        h.Time.Advance(r.Config.TemporaryFailureRetry * 2);
        Assert.Equal(sent, h.B.Sender.Count);
        Assert.Equal(IkeSaState.Established, r.State);
    }

    [Fact]
    public void Temporary_failure_is_retried_after_the_configured_delay()
    {
        using var h = new ExchangeHarness();
        var i = h.Establish(RedChild);
        var r = h.Responder!;
        r.Rekey(); // B rekeys the IKE SA ...
        i.RekeyChildSa(i.Children[0]); // ... while A rekeys the CHILD_SA
        //       <--  HDR, SK {SA(SPIi'), Ni, KEi}   (B's IKE rekey reaches A, busy with its CHILD_SA rekey)
        var ikeRekey = h.DeliverToInitiator();
        Assert.Equal([SecurityAssociation, Nonce, KeyExchange], Types(ikeRekey));
        // HDR, SK {N(REKEY_SA), SA, Ni, TSi, TSr}  -->   (A's CHILD_SA rekey reaches B, busy rekeying the IKE SA)
        h.DeliverToResponder();
        // HDR, SK {N(TEMPORARY_FAILURE)}  -->   (§2.25.2, A's answer)
        Assert.Equal([NotifyType.TemporaryFailure], Notifies(h.DeliverToResponder()));
        //       <--  HDR, SK {N(TEMPORARY_FAILURE)}   (§2.25.2, B's answer)
        Assert.Equal([NotifyType.TemporaryFailure], Notifies(h.DeliverToInitiator()));
        Assert.Single(i.Children);

        // Not at once (§2.25) ...
        Assert.Equal(0, h.PendingFromA + h.PendingFromB);
        // ... but after one to two times the delay, drawn per host, both retry at different
        // moments and both succeed (the network delivers within 100 ms here).
        for (var step = 0; step < 20 * i.Config.TemporaryFailureRetry.TotalSeconds; step++)
        {
            h.Time.Advance(TimeSpan.FromMilliseconds(100));
            Pump(h);
        }

        var successorA = Assert.Single(h.A.Manager.Sas);
        var successorB = Assert.Single(h.B.Manager.Sas);
        Assert.NotSame(i, successorA);
        Assert.Equal((successorA.InitiatorSpi, successorA.ResponderSpi), (successorB.InitiatorSpi, successorB.ResponderSpi));
        var child = Assert.Single(successorA.Children);
        Assert.NotNull(child.Template);
        Assert.Single(h.A.Sink.Current);
        Assert.Single(h.B.Sink.Current);
    }

    [Fact]
    public void Rekey_request_for_an_unknown_child_sa_is_answered_child_sa_not_found()
    {
        using var h = new ExchangeHarness();
        var i = h.Establish(RedChild);
        var r = h.Responder!;
        // HDR, SK {N(REKEY_SA, SPI 0x00001234), SA, Ni, TSi, TSr}  -->   (built by hand: no such CHILD_SA)
        var header = new Overlay.Ike.Encoding.IkeHeader(i.InitiatorSpi, i.ResponderSpi, NoNextPayload, IkeExchangeType.CreateChildSa,
            IkeHeaderFlags.Initiator, 2, 0);
        var request = i.Protector!.Protect(header,
        [
            new NotifyPayload(IkeProtocolId.Esp, EspSuite.SpiBytes(0x1234), NotifyType.RekeySa, []),
            ProposalSelection.OfferEsp(RedChild.EspProposals, 0x5678),
            new NoncePayload(new byte[32]),
            new TrafficSelectorPayload(true, [.. RedChild.LocalSelectors, SecurityLabelSelector.FromText("tvd:red")]),
            new TrafficSelectorPayload(false, [.. RedChild.RemoteSelectors, SecurityLabelSelector.FromText("tvd:red")]),
        ]);
        r.Receive(request);
        //                   <--  HDR, SK {N(CHILD_SA_NOT_FOUND, SPI 0x00001234)}
        var answer = Decode(h.B.Sender.Outbox.Dequeue(), i);
        var notify = Assert.Single(answer.Payloads.OfType<NotifyPayload>());
        Assert.Equal((NotifyType.ChildSaNotFound, 0x1234u), (notify.Type, EspSuite.SpiValue(notify.Spi)));
        Assert.Single(r.Children);
        Assert.Single(h.B.Sink.Installed);
        Assert.Equal(IkeSaState.Established, r.State);
    }

    /// <summary>Delivers whatever either side has sent until both are quiet (bounded).</summary>
    internal static void Pump(ExchangeHarness h)
    {
        for (var n = 0; n < 20 && h.PendingFromA + h.PendingFromB > 0; n++)
        {
            if (h.PendingFromA > 0)
            {
                h.DeliverToResponder();
            }

            if (h.PendingFromB > 0)
            {
                h.DeliverToInitiator();
            }
        }

        Assert.Equal(0, h.PendingFromA + h.PendingFromB);
    }

    private static string Added(ChildSa c) => $"+{c.InboundSpi:x8}/{c.OutboundSpi:x8}";

    private static string Gone(ChildSa c) => $"-{c.InboundSpi:x8}/{c.OutboundSpi:x8}";
}
