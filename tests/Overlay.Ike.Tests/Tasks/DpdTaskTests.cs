using Overlay.Ike.Sa;
using Overlay.Ike.Tests.Sa.Helpers;
using static Overlay.Ike.Tests.Sa.Helpers.ExchangeHarness;

namespace Overlay.Ike.Tests.Tasks;

public sealed class DpdTaskTests
{
    [Fact]
    public void Empty_informational_is_answered_and_message_ids_advance()
    {
        using var h = new ExchangeHarness();
        var i = h.Establish(RedChild);
        Assert.Equal(2u, i.Tasks.NextRequestId);

        i.CheckLiveness();
        // HDR, SK {}  -->
        var m1 = h.DeliverToResponder();
        Assert.Equal((IkeExchangeType.Informational, 2u), (m1.Header.ExchangeType, m1.Header.MessageId));
        Assert.Empty(m1.Payloads);
        //                   <--  HDR, SK {}
        var m2 = h.DeliverToInitiator();
        Assert.True(m2.IsResponse);
        Assert.Empty(m2.Payloads);
        Assert.Equal(3u, i.Tasks.NextRequestId);
        Assert.Equal(3u, h.Responder!.Tasks.ExpectedRequestId);
        Assert.Empty(i.Tasks.ActiveTasks);
        Assert.Equal(IkeSaState.Established, i.State);
        Assert.Single(i.Children);
    }

    [Fact]
    public void Dead_peer_is_detected_after_the_retransmission_limit_and_children_are_removed()
    {
        using var h = new ExchangeHarness();
        var i = h.Establish(RedChild);
        i.CheckLiveness();
        h.A.Sender.Outbox.Clear(); // B is gone: nothing reaches it
        // Timeouts 4, 7.2, 13, 23.3, 42, 75.6 s (×1.8 each): dead after ≈ 165 s. FakeTimeProvider
        // fires a timer once per Advance, so time moves in 100 ms steps (bounded loop).
        var steps = 0;
        while (i.State != IkeSaState.Destroyed && steps < 3000)
        {
            h.Time.Advance(TimeSpan.FromMilliseconds(100));
            steps++;
        }

        Assert.Equal(IkeSaState.Destroyed, i.State);
        Assert.InRange(steps / 10.0, 165.0, 165.7);
        Assert.Equal(2 + 1 + 5, h.A.Sender.Count); // IKE_SA_INIT + IKE_AUTH, the DPD request, 5 retransmits
        Assert.Equal(5, i.Tasks.Stats.Retransmits);
        Assert.Contains("did not answer after 5 retransmits", i.FailureReason);
        Assert.Single(h.A.Sink.Removed);
    }
}
