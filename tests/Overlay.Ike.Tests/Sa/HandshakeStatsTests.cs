using Overlay.Ike.Sa;
using Overlay.Ike.Tests.Sa.Helpers;
using static Overlay.Ike.Tests.Sa.Helpers.ExchangeHarness;

namespace Overlay.Ike.Tests.Sa;

/// <summary>How handshakes are counted by result and reason, and timed, on both ends (the metrics' source).</summary>
public sealed class HandshakeStatsTests
{
    [Fact]
    public void An_established_handshake_is_counted_once_on_each_end_with_its_duration()
    {
        using var h = new ExchangeHarness();
        var timedA = new List<HandshakeOutcome>();
        var timedB = new List<HandshakeOutcome>();
        h.A.Manager.Handshakes.Completed += timedA.Add;
        h.B.Manager.Handshakes.Completed += timedB.Add;

        // HDR, SAi1, KEi, Ni -->   (the network takes 20 ms each way)
        h.Start(RedChild);
        h.Time.Advance(TimeSpan.FromMilliseconds(20));
        h.DeliverToResponder();
        h.Time.Advance(TimeSpan.FromMilliseconds(20));
        // <-- HDR, SAr1, KEr, Nr
        h.DeliverToInitiator();
        h.Time.Advance(TimeSpan.FromMilliseconds(20));
        // HDR, SK {IDi, AUTH, SAi2, TSi, TSr} -->
        h.DeliverToResponder();
        h.Time.Advance(TimeSpan.FromMilliseconds(20));
        // <-- HDR, SK {IDr, AUTH, SAr2, TSi, TSr}
        h.DeliverToInitiator();

        Assert.Equal([new HandshakeCount("established", "ok", 1)], h.A.Manager.Handshakes.Snapshot());
        Assert.Equal([new HandshakeCount("established", "ok", 1)], h.B.Manager.Handshakes.Snapshot());
        HandshakeOutcome a = Assert.Single(timedA);
        HandshakeOutcome b = Assert.Single(timedB);
        Assert.True(a.Initiator);
        Assert.False(b.Initiator);
        Assert.Equal(TimeSpan.FromMilliseconds(80), a.Elapsed); // first IKE_SA_INIT sent → IKE_AUTH response processed
        Assert.Equal(TimeSpan.FromMilliseconds(40), b.Elapsed); // IKE_SA_INIT received → IKE_AUTH request processed
    }

    [Fact]
    public void A_wrong_psk_is_counted_as_authentication_failed_on_both_ends()
    {
        using var h = new ExchangeHarness(configureB: c => c with { PreSharedKey = "not-the-same-psk-at-all"u8.ToArray() });
        h.Start(RedChild);
        h.DeliverUntilQuiet();

        Assert.Equal([new HandshakeCount("failed", "authentication_failed", 1)], h.B.Manager.Handshakes.Snapshot());
        Assert.Equal([new HandshakeCount("failed", "authentication_failed", 1)], h.A.Manager.Handshakes.Snapshot());
    }

    [Fact]
    public void A_peer_that_never_answers_ends_as_retransmits_exhausted()
    {
        using var h = new ExchangeHarness();
        var timed = new List<HandshakeOutcome>();
        h.A.Manager.Handshakes.Completed += timed.Add;
        h.Start(RedChild);
        for (int i = 0; i < 400 && h.Initiator.State != IkeSaState.Destroyed; i++)
        {
            h.Time.Advance(TimeSpan.FromSeconds(1));
            _ = h.TakeFromA(); // lost on the way
        }

        Assert.Equal([new HandshakeCount("failed", "retransmits_exhausted", 1)], h.A.Manager.Handshakes.Snapshot());
        Assert.True(Assert.Single(timed).Elapsed > TimeSpan.FromSeconds(60));
    }

    [Fact]
    public void Outcomes_are_summed_per_result_and_reason()
    {
        var stats = new HandshakeStats();
        stats.Record(new HandshakeOutcome("failed", "no_proposal_chosen", true, TimeSpan.Zero));
        stats.Record(new HandshakeOutcome("established", "ok", true, TimeSpan.Zero));
        stats.Record(new HandshakeOutcome("failed", "no_proposal_chosen", false, TimeSpan.Zero));

        Assert.Equal(
            [new HandshakeCount("established", "ok", 1), new HandshakeCount("failed", "no_proposal_chosen", 2)],
            stats.Snapshot());
    }
}
