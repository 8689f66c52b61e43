using Overlay.Ike.Sa;
using Overlay.Ike.Tests.Sa.Helpers;
using static Overlay.Ike.Tests.Sa.Helpers.ExchangeHarness;

namespace Overlay.Ike.Tests.Sa;

public sealed class TaskManagerTests
{
    [Fact]
    public void Lost_response_is_retransmitted_with_backoff_and_answered_from_the_cache()
    {
        using var h = new ExchangeHarness();
        var i = h.Start(RedChild);
        h.DeliverToResponder();
        h.DeliverToInitiator();
        // HDR, SK {IDi, IDr, AUTH, SAi2, TSi, TSr}  -->
        var request = h.A.Sender.Outbox.Peek();
        h.DeliverToResponder();
        var r = h.Responder!;
        Assert.Single(h.B.Sink.Installed);
        //                   <--  HDR, SK {IDr, AUTH, SAr2, TSi, TSr}   (lost)
        var lost = h.B.Sender.Outbox.Dequeue();

        h.Time.Advance(TimeSpan.FromSeconds(3.9));
        Assert.Empty(h.A.Sender.Outbox);
        h.Time.Advance(TimeSpan.FromSeconds(0.1));
        // HDR, SK {IDi, IDr, AUTH, SAi2, TSi, TSr}  -->   (retransmit: the same octets)
        Assert.Equal(request, h.A.Sender.Outbox.Peek());
        Assert.Equal(1, i.Tasks.Stats.Retransmits);
        h.DeliverToResponder();
        Assert.Equal(1, r.Tasks.Stats.DuplicateRequestsAnswered);
        Assert.Single(h.B.Sink.Installed); // processed once
        //                   <--  HDR, SK {IDr, AUTH, SAr2, TSi, TSr}   (from the cache)
        Assert.Equal(lost, h.B.Sender.Outbox.Peek());

        // The second timeout is 4 s × 1.8 = 7.2 s after the first retransmit.
        h.Time.Advance(TimeSpan.FromSeconds(7.1));
        Assert.Equal(1, i.Tasks.Stats.Retransmits);
        h.DeliverToInitiator();
        Assert.Equal(IkeSaState.Established, i.State);
        h.Time.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(1, i.Tasks.Stats.Retransmits); // the answer stopped the timer
        Assert.Empty(h.A.Sender.Outbox);
    }

    [Fact]
    public void Response_with_a_wrong_message_id_is_dropped()
    {
        using var h = new ExchangeHarness();
        var i = h.Start(RedChild);
        h.DeliverToResponder();
        h.DeliverToInitiator();
        h.DeliverToResponder();
        var authResponse = h.B.Sender.Outbox.Peek();
        h.DeliverToInitiator();

        i.CheckLiveness(); // message ID 2 in flight
        i.Receive(authResponse); // an old response, message ID 1
        Assert.Equal(1, i.Tasks.Stats.Dropped);
        Assert.Equal("response with an unexpected message ID or exchange", i.Tasks.Stats.LastDropReason);
        Assert.Single(i.Tasks.ActiveTasks);
        h.DeliverToResponder();
        h.DeliverToInitiator();
        Assert.Empty(i.Tasks.ActiveTasks);
    }

    [Fact]
    public void Garbage_and_tampered_messages_are_counted_drops()
    {
        using var h = new ExchangeHarness();
        var i = h.Establish(RedChild);
        i.Receive([1, 2, 3]);
        i.CheckLiveness();
        var request = h.A.Sender.Outbox.Dequeue();
        request[^1] ^= 0x01; // ICV no longer verifies
        h.B.Manager.Receive(request, AddressB, AddressA);
        Assert.Equal(1, i.Tasks.Stats.Dropped);
        Assert.Equal(1, h.Responder!.Tasks.Stats.Dropped);
        Assert.Contains("integrity", h.Responder.Tasks.Stats.LastDropReason);
        Assert.Empty(h.B.Sender.Outbox);
    }

    [Fact]
    public void Requests_queued_before_establishment_wait_for_ike_auth()
    {
        using var h = new ExchangeHarness();
        var i = h.Start(RedChild);
        i.CheckLiveness();
        Assert.Equal(Overlay.Ike.Tasks.TaskKind.Dpd, i.Tasks.QueuedTasks[^1].Kind);
        h.DeliverToResponder();
        h.DeliverToInitiator();
        h.DeliverToResponder();
        h.DeliverToInitiator();
        // HDR(ID 2), SK {}  -->   sent right after IKE_AUTH completed
        var dpd = h.DeliverToResponder();
        Assert.Equal((IkeExchangeType.Informational, 2u), (dpd.Header.ExchangeType, dpd.Header.MessageId));
    }
}
