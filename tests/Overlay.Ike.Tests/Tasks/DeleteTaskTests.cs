using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Sa;
using Overlay.Ike.Tests.Sa.Helpers;
using static Overlay.Ike.Tests.Sa.Helpers.ExchangeHarness;

namespace Overlay.Ike.Tests.Tasks;

public sealed class DeleteTaskTests
{
    [Fact]
    public void Initiator_deletes_a_child_sa_and_both_sinks_remove_it()
    {
        using var h = new ExchangeHarness();
        var i = h.Establish(RedChild);
        var child = i.Children[0];

        i.DeleteChildSa(child);
        // HDR, SK {D(ESP, our inbound SPI)}  -->
        var m1 = h.DeliverToResponder();
        var d = Assert.Single(m1.Payloads.OfType<DeletePayload>());
        Assert.Equal((IkeProtocolId.Esp, child.InboundSpi), (d.Protocol, EspSuite.SpiValue(Assert.Single(d.Spis))));
        Assert.Empty(h.Responder!.Children);
        Assert.Single(h.B.Sink.Removed);

        //                   <--  HDR, SK {D(ESP, responder's inbound SPI)}
        var m2 = h.DeliverToInitiator();
        Assert.Equal(child.OutboundSpi, EspSuite.SpiValue(Assert.Single(m2.Find<DeletePayload>()!.Spis)));
        Assert.Empty(i.Children);
        Assert.Same(child, Assert.Single(h.A.Sink.Removed));
        Assert.Equal(IkeSaState.Established, i.State);
        Assert.Equal(IkeSaState.Established, h.Responder.State);
    }

    [Fact]
    public void Responder_deletes_a_child_sa_with_its_own_message_ids()
    {
        using var h = new ExchangeHarness();
        var i = h.Establish(RedChild);
        var r = h.Responder!;

        r.DeleteChildSa(r.Children[0]);
        //                   <--  HDR(I=0, R=0, ID 0), SK {D(ESP, SPI)}
        var m1 = h.DeliverToInitiator();
        Assert.False(m1.IsResponse || m1.Header.IsFromOriginalInitiator);
        Assert.Equal(0u, m1.Header.MessageId);
        Assert.Empty(i.Children);
        // HDR(I=1, R=1, ID 0), SK {D(ESP, SPI)}  -->
        var m2 = h.DeliverToResponder();
        Assert.True(m2.IsResponse && m2.Header.IsFromOriginalInitiator);
        Assert.Empty(r.Children);
        Assert.Single(h.A.Sink.Removed);
        Assert.Single(h.B.Sink.Removed);
        Assert.Equal(1u, r.Tasks.NextRequestId);
    }

    [Fact]
    public void Initiator_deletes_the_ike_sa_and_every_child_goes_with_it()
    {
        using var h = new ExchangeHarness();
        var i = h.Establish(RedChild);
        var r = h.Responder!;

        i.Delete();
        Assert.Equal(IkeSaState.Deleting, i.State);
        // HDR, SK {D(IKE)}  -->
        var m1 = h.DeliverToResponder();
        Assert.Equal(IkeProtocolId.Ike, Assert.Single(m1.Payloads.OfType<DeletePayload>()).Protocol);
        Assert.Equal(IkeSaState.Destroyed, r.State);
        Assert.Equal("deleted by the peer", r.FailureReason);
        //                   <--  HDR, SK {}
        var m2 = h.DeliverToInitiator();
        Assert.Empty(m2.Payloads);
        Assert.Equal(IkeSaState.Destroyed, i.State);
        Assert.Single(h.A.Sink.Removed);
        Assert.Single(h.B.Sink.Removed);
        Assert.Empty(h.A.Manager.Sas);
        Assert.Empty(h.B.Manager.Sas);
    }

    [Fact]
    public void Deleting_the_ike_sa_closes_its_child_sas_when_the_delete_is_sent_not_when_a_dead_peer_would_answer()
    {
        using var h = new ExchangeHarness();
        var i = h.Establish(RedChild);
        var child = i.Children[0];

        i.Delete(); // the peer never answers: it left the inventory, or is gone

        Assert.Equal(IkeSaState.Deleting, i.State);
        Assert.Empty(i.Children);
        Assert.Same(child, Assert.Single(h.A.Sink.Removed));
    }

    [Fact]
    public void Responder_deletes_the_ike_sa()
    {
        using var h = new ExchangeHarness();
        var i = h.Establish(RedChild);
        var r = h.Responder!;
        r.Delete();
        //                   <--  HDR, SK {D(IKE)}
        h.DeliverToInitiator();
        Assert.Equal(IkeSaState.Destroyed, i.State);
        // HDR, SK {}  -->
        h.DeliverToResponder();
        Assert.Equal(IkeSaState.Destroyed, r.State);
        Assert.Single(h.A.Sink.Removed);
        Assert.Single(h.B.Sink.Removed);
    }
}
