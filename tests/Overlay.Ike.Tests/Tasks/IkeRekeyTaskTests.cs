using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Sa;
using Overlay.Ike.Tests.Sa.Helpers;
using static Overlay.Ike.IkePayloadType;
using static Overlay.Ike.Tests.Sa.Helpers.ExchangeHarness;

namespace Overlay.Ike.Tests.Tasks;

public sealed class IkeRekeyTaskTests
{
    [Fact]
    public void Rekey_creates_a_successor_with_new_spis_and_keys_that_takes_over_the_child_sas()
    {
        using var h = new ExchangeHarness();
        var i = h.Establish(RedChild);
        var r = h.Responder!;
        var child = i.Children[0];

        i.Rekey();
        // HDR, SK {SA(SPIi'), Ni, KEi}  -->
        var m1 = h.DeliverToResponder();
        Assert.Equal((IkeExchangeType.CreateChildSa, 2u), (m1.Header.ExchangeType, m1.Header.MessageId));
        Assert.Equal([SecurityAssociation, Nonce, KeyExchange], Types(m1));
        var offered = m1.Find<SecurityAssociationPayload>()!.Proposals;
        Assert.All(offered, p => Assert.Equal((IkeProtocolId.Ike, 8), (p.Protocol, p.Spi.Length)));
        Assert.Equal(i.Suite!.KeyExchange, m1.Find<KeyExchangePayload>()!.Group);

        //                   <--  HDR, SK {SA(SPIr'), Nr, KEr}
        var m2 = h.DeliverToInitiator();
        Assert.Equal([SecurityAssociation, Nonce, KeyExchange], Types(m2));
        var newI = Assert.Single(h.A.Manager.Sas, s => s != i);
        var newR = Assert.Single(h.B.Manager.Sas, s => s != r);
        Assert.Same(newI, i.SupersededBy);
        Assert.Same(newR, r.SupersededBy);
        // §2.18: the new SPIs are the ones in the proposals; the rekey's initiator is the new original initiator.
        Assert.Equal(System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(offered[0].Spi), newI.InitiatorSpi);
        Assert.Equal(System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(m2.Find<SecurityAssociationPayload>()!.Proposals[0].Spi), newI.ResponderSpi);
        Assert.Equal((newI.InitiatorSpi, newI.ResponderSpi), (newR.InitiatorSpi, newR.ResponderSpi));
        Assert.True(newI.IsOriginalInitiator);
        Assert.False(newR.IsOriginalInitiator);
        Assert.Equal(newI.Keys!.SkEi, newR.Keys!.SkEi);
        Assert.Equal(newI.Keys.SkD, newR.Keys.SkD);
        Assert.NotEqual(i.Keys!.SkD, newI.Keys.SkD);
        Assert.Equal([child], newI.Children);
        Assert.Empty(i.Children);
        Assert.Single(newR.Children);

        // HDR, SK {D(IKE)}  -->   (on the old IKE SA)
        var m3 = h.DeliverToResponder();
        Assert.Equal((i.InitiatorSpi, IkeProtocolId.Ike), (m3.Header.InitiatorSpi, m3.Find<DeletePayload>()!.Protocol));
        //                   <--  HDR, SK {}
        h.DeliverToInitiator();
        Assert.Equal((IkeSaState.Destroyed, IkeSaState.Destroyed), (i.State, r.State));
        Assert.Equal("rekeyed", i.FailureReason);
        // The CHILD_SAs never left the data plane.
        Assert.Empty(h.A.Sink.Removed);
        Assert.Empty(h.B.Sink.Removed);
        Assert.Equal([newI], h.A.Manager.Sas);

        // The successor works: message IDs start at 0, and its CHILD_SA can be rekeyed on it.
        newI.RekeyChildSa(child);
        // HDR(new SPIs, ID 0), SK {N(REKEY_SA), SA, Ni, TSi, TSr}  -->
        var m5 = h.DeliverToResponder();
        Assert.Equal((newI.InitiatorSpi, 0u), (m5.Header.InitiatorSpi, m5.Header.MessageId));
        ChildRekeyTaskTests.Pump(h);
        Assert.NotSame(child, Assert.Single(newI.Children));
        Assert.Equal([child], h.A.Sink.Removed);
    }

    [Fact]
    public void Simultaneous_ike_rekey_ends_with_one_ike_sa_on_each_side_holding_the_child_sa()
    {
        using var h = new ExchangeHarness();
        var i = h.Establish(RedChild);
        var r = h.Responder!;
        i.Rekey();
        r.Rekey();
        // HDR, SK {SA, Ni, KEi}  -->   and   <--  HDR, SK {SA, Ni, KEi}   cross (§2.8.2); both are answered.
        h.DeliverToResponder();
        h.DeliverToInitiator();
        //                   <--  HDR, SK {SA, Nr, KEr}   and   HDR, SK {SA, Nr, KEr}  -->
        h.DeliverToInitiator();
        h.DeliverToResponder();
        // The loser deletes its redundant IKE SA, the winner the old one.
        ChildRekeyTaskTests.Pump(h);

        var survivorA = Assert.Single(h.A.Manager.Sas);
        var survivorB = Assert.Single(h.B.Manager.Sas);
        Assert.Equal((survivorA.InitiatorSpi, survivorA.ResponderSpi), (survivorB.InitiatorSpi, survivorB.ResponderSpi));
        Assert.Equal(IkeSaState.Established, survivorA.State);
        Assert.Single(survivorA.Children);
        Assert.Single(survivorB.Children);
        Assert.Empty(h.A.Sink.Removed);
        Assert.Empty(h.B.Sink.Removed);
        Assert.Equal(IkeSaState.Destroyed, i.State);
        Assert.Equal(IkeSaState.Destroyed, r.State);

        // And it still carries traffic: a liveness check is answered.
        survivorA.CheckLiveness();
        ChildRekeyTaskTests.Pump(h);
        Assert.Equal(IkeSaState.Established, survivorA.State);
        Assert.Equal(0, survivorA.Tasks.Stats.Retransmits);
    }

    [Fact]
    public void Ike_lifetime_rekeys_at_the_soft_limit_and_the_successor_counts_from_the_rekey()
    {
        var life = new SaLifetime(TimeSpan.FromHours(4), TimeSpan.FromHours(5));
        using var h = new ExchangeHarness(configureA: c => c with { Lifetime = life });
        var i = h.Establish(RedChild);
        h.Time.Advance(TimeSpan.FromHours(4) - TimeSpan.FromSeconds(1));
        Assert.Equal(0, h.PendingFromA);
        h.Time.Advance(TimeSpan.FromSeconds(1));
        // HDR, SK {SA(SPIi'), Ni, KEi}  -->   (soft lifetime)
        Assert.Equal([SecurityAssociation, Nonce, KeyExchange], Types(h.DeliverToResponder()));
        ChildRekeyTaskTests.Pump(h);
        var successor = Assert.Single(h.A.Manager.Sas);
        Assert.NotSame(i, successor);
        Assert.Single(successor.Children);
        Assert.Equal(h.Time.GetUtcNow(), successor.EstablishedAt);
        Assert.Equal("rekeyed", i.FailureReason);

        // One hour later the old SA's hard limit passes without effect; the successor rekeys 4 h after its start.
        h.Time.Advance(TimeSpan.FromHours(4) - TimeSpan.FromSeconds(1));
        Assert.Equal(0, h.PendingFromA);
        Assert.Equal(IkeSaState.Established, successor.State);
        h.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal([SecurityAssociation, Nonce, KeyExchange], Types(h.DeliverToResponder()));
    }

    [Fact]
    public void Hard_ike_lifetime_ends_the_sa_when_its_rekey_is_never_answered()
    {
        var life = new SaLifetime(TimeSpan.FromHours(4), TimeSpan.FromHours(4) + TimeSpan.FromMinutes(1));
        using var h = new ExchangeHarness(configureA: c => c with { Lifetime = life });
        var i = h.Establish(RedChild);
        h.Time.Advance(TimeSpan.FromHours(4));
        // HDR, SK {SA(SPIi'), Ni, KEi}  -->   (lost: B never sees it)
        Assert.Equal(1, h.PendingFromA);
        h.Time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(IkeSaState.Established, i.State);
        Assert.True(i.Tasks.Stats.Retransmits > 0);
        h.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(IkeSaState.Destroyed, i.State);
        Assert.Equal("IKE SA reached its hard lifetime", i.FailureReason);
        Assert.Equal(h.A.Sink.Installed, h.A.Sink.Removed);
        Assert.Empty(h.A.Manager.Sas);
    }

    [Fact]
    public void Hard_ike_lifetime_with_an_idle_window_sends_a_delete()
    {
        // No soft limit before the hard one: nothing rekeys, so the hard limit meets an idle SA.
        var life = new SaLifetime(TimeSpan.FromHours(10), TimeSpan.FromHours(5));
        using var h = new ExchangeHarness(configureA: c => c with { Lifetime = life });
        var i = h.Establish(RedChild);
        h.Time.Advance(TimeSpan.FromHours(5));
        // HDR, SK {D(IKE)}  -->
        var delete = h.DeliverToResponder();
        Assert.Equal(IkeProtocolId.Ike, delete.Find<DeletePayload>()!.Protocol);
        //                   <--  HDR, SK {}
        h.DeliverToInitiator();
        Assert.Equal(IkeSaState.Destroyed, i.State);
        Assert.Equal("IKE SA reached its hard lifetime", i.FailureReason);
        Assert.Equal(IkeSaState.Destroyed, h.Responder!.State);
        Assert.Single(h.B.Sink.Removed);
    }
}
