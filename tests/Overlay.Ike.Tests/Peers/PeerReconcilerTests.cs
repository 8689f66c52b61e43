using Overlay.Ike.Attestation;
using Overlay.Ike.Peers;
using Overlay.Ike.Sa;
using Overlay.Ike.Tests.Sa.Helpers;
using static Overlay.Ike.Tests.Sa.Helpers.ExchangeHarness;

namespace Overlay.Ike.Tests.Peers;

/// <summary>A's reconciler towards B over the in-process harness: what it starts, keeps, revokes and retries.</summary>
public sealed class PeerReconcilerTests
{
    private static readonly ChildSaConfig BlueChild = RedChild with { Name = "blue", Label = "tvd:blue" };

    private static readonly IkePeerTarget PeerB = new("b", IkeIdentity.Fqdn("hostB"), AddressB.Address, AddressB.Port, Initiates: true);

    [Fact]
    public void Nothing_up_initiates_with_the_first_wanted_child_then_asks_for_the_others()
    {
        using var h = new ExchangeHarness();
        h.B.Policy.Allowed.Add(("hostA", "tvd:blue"));
        var policy = new FakePeerPolicy(h.A.Config) { Wanted = [RedChild, BlueChild] };
        var events = new RecordingEvents();
        var reconciler = Reconciler(h, policy, events);

        reconciler.Run();
        Assert.Equal(["initiating b tvd:red"], events.Lines);
        h.DeliverUntilQuiet();
        Assert.Equal(["tvd:red"], h.A.Sink.Current.Select(c => c.Label));

        reconciler.Run(); // the SA is up: blue is asked for on it
        h.DeliverUntilQuiet();
        Assert.Equal(["tvd:blue", "tvd:red"], h.A.Sink.Current.Select(c => c.Label).Order());
        Assert.Single(events.Lines); // no second initiation
    }

    [Fact]
    public void A_child_the_policy_no_longer_keeps_is_deleted_once_with_its_reason()
    {
        using var h = new ExchangeHarness();
        var policy = new FakePeerPolicy(h.A.Config) { Wanted = [RedChild] };
        var events = new RecordingEvents();
        var reconciler = Reconciler(h, policy, events);
        reconciler.Run();
        h.DeliverUntilQuiet();
        Assert.Single(h.A.Sink.Current);

        policy.Refuse = "evidence expired";
        policy.Wanted = [];
        reconciler.Run();
        reconciler.Run(); // the DELETE is in flight: not asked for twice
        Assert.Equal(["initiating b tvd:red", "revoked b tvd:red: evidence expired"], events.Lines);
        h.DeliverUntilQuiet();
        Assert.Empty(h.A.Sink.Current);
        Assert.Empty(h.B.Sink.Current);
    }

    [Fact]
    public void A_child_the_responder_refused_is_asked_for_again_after_the_retry_interval()
    {
        using var h = new ExchangeHarness();
        var policy = new FakePeerPolicy(h.A.Config) { Wanted = [RedChild, BlueChild] }; // B refuses blue
        var reconciler = Reconciler(h, policy, new RecordingEvents());
        reconciler.Run();
        h.DeliverUntilQuiet();
        reconciler.Run();
        h.DeliverUntilQuiet();
        Assert.Equal("TsUnacceptable", h.A.LastSa!.ChildFailureReason);

        reconciler.Run();
        Assert.Equal(0, h.PendingFromA); // within the retry interval: nothing
        h.Time.Advance(TimeSpan.FromSeconds(31));
        reconciler.Run(); // second attempt, refused again: the next waits twice as long
        h.DeliverUntilQuiet();
        h.Time.Advance(TimeSpan.FromSeconds(31));
        reconciler.Run();
        Assert.Equal(0, h.PendingFromA);

        h.B.Policy.Allowed.Add(("hostA", "tvd:blue"));
        h.Time.Advance(TimeSpan.FromSeconds(30));
        reconciler.Run();
        h.DeliverUntilQuiet();
        Assert.Contains("tvd:blue", h.A.Sink.Current.Select(c => c.Label));
    }

    [Fact]
    public void A_half_open_sa_from_the_peers_address_does_not_hold_back_our_initiation()
    {
        using var h = new ExchangeHarness();
        var policy = new FakePeerPolicy(h.A.Config) { Wanted = [RedChild] };
        var events = new RecordingEvents();
        var reconciler = Reconciler(h, policy, events);

        // A spoofer sends A an IKE_SA_INIT with B's address and never continues: A holds a half-open responder SA.
        // HDR, SAi1, KEi, Ni -->  (from "B")
        h.B.Manager.Initiate(h.B.Config, null, AddressB, AddressA).Dispose();
        h.DeliverToInitiator();
        h.A.Sender.Outbox.Clear(); // its answer goes to the real B, which never asked
        Assert.Equal(1, h.A.Manager.HalfOpenCount);

        reconciler.Run();
        Assert.Equal(["initiating b tvd:red"], events.Lines);
        h.DeliverUntilQuiet();
        Assert.Equal(["tvd:red"], h.A.Sink.Current.Select(c => c.Label));
        Assert.Equal(1, h.A.Manager.HalfOpenCount); // the spoofed one stays until it times out
    }

    [Fact]
    public void A_peer_that_leaves_the_list_has_its_ike_sa_and_children_deleted_on_both_sides()
    {
        using var h = new ExchangeHarness();
        h.B.Policy.Allowed.Add(("hostA", "tvd:blue"));
        var policy = new FakePeerPolicy(h.A.Config) { Wanted = [RedChild, BlueChild] };
        var events = new RecordingEvents();
        var reconciler = Reconciler(h, policy, events);
        reconciler.Run();
        h.DeliverUntilQuiet();
        reconciler.Run();
        h.DeliverUntilQuiet();
        Assert.Equal(2, h.A.Sink.Current.Count());
        IkeSa sa = h.A.LastSa!;

        reconciler.UpdatePeers([]);
        reconciler.Run();
        reconciler.Run(); // the DELETE is in flight: not sent twice
        Assert.Equal(["initiating b tvd:red", "departed b"], events.Lines);
        h.DeliverUntilQuiet();
        Assert.Equal(IkeSaState.Destroyed, sa.State);
        Assert.Empty(h.A.Sink.Current);
        Assert.Empty(h.B.Sink.Current);
        Assert.All(h.B.Seen, b => Assert.Equal(IkeSaState.Destroyed, b.State));

        h.Time.Advance(TimeSpan.FromMinutes(5));
        reconciler.Run(); // gone from the list: never initiated to again
        Assert.Equal(0, h.PendingFromA);
        Assert.Empty(reconciler.Peers);
    }

    [Fact]
    public void A_peer_that_comes_back_is_initiated_to_at_once_and_a_list_that_keeps_it_deletes_nothing()
    {
        using var h = new ExchangeHarness();
        var policy = new FakePeerPolicy(h.A.Config) { Wanted = [RedChild] };
        var events = new RecordingEvents();
        var reconciler = Reconciler(h, policy, events);
        reconciler.Run();
        h.DeliverUntilQuiet();

        reconciler.UpdatePeers([]);
        reconciler.UpdatePeers([PeerB]); // gone and back between two passes: the same peer
        reconciler.Run();
        Assert.Equal(0, h.PendingFromA);
        Assert.Single(h.A.Sink.Current);

        reconciler.UpdatePeers([]);
        reconciler.Run();
        h.DeliverUntilQuiet();
        Assert.Empty(h.A.Sink.Current);

        reconciler.UpdatePeers([PeerB]); // within the retry interval of the first initiation: its wait was forgotten
        reconciler.Run();
        h.DeliverUntilQuiet();
        Assert.Equal(["initiating b tvd:red", "departed b", "initiating b tvd:red"], events.Lines);
        Assert.Equal(["tvd:red"], h.A.Sink.Current.Select(c => c.Label));
    }

    private static PeerReconciler Reconciler(ExchangeHarness h, FakePeerPolicy policy, RecordingEvents events)
    {
        var reconciler = new PeerReconciler(h.A.Manager, AddressA, [PeerB], policy, events,
            new ReconcilerOptions(TimeSpan.FromSeconds(30), TimeSpan.Zero), h.Time);
        return reconciler;
    }

    private sealed class FakePeerPolicy(IkeSaConfig config) : IPeerPolicy
    {
        public IReadOnlyList<ChildSaConfig> Wanted { get; set; } = [];

        public string? Refuse { get; set; }

        IReadOnlyList<ChildSaConfig> IPeerPolicy.Wanted(IkePeerTarget peer, IkeSa? sa) => Wanted;

        public IkeSaConfig IkeConfig(IkePeerTarget peer, IReadOnlyList<ChildSaConfig> children) => config;

        public LabelVerdict MayKeep(IkePeerTarget peer, ChildSa child, IPeerAttestation? attestation) =>
            Refuse is null ? LabelVerdict.Allow : LabelVerdict.Deny(Refuse);
    }

    private sealed class RecordingEvents : IPeerReconcilerEvents
    {
        public List<string> Lines { get; } = [];

        public void Initiating(IkePeerTarget peer, string label) => Lines.Add($"initiating {peer.Name} {label}");

        public void ChildRevoked(IkePeerTarget peer, string label, string reason) => Lines.Add($"revoked {peer.Name} {label}: {reason}");

        public void Replaced(IkePeerTarget peer, IkeSa old) => Lines.Add($"replaced {peer.Name}");

        public void Departed(IkePeerTarget peer, IkeSa sa) => Lines.Add($"departed {peer.Name}");
    }
}
