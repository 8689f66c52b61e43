using System.Net;
using Overlay.Ike.Sa;
using Overlay.Ike.Tests.Sa.Helpers;
using static Overlay.Ike.Tests.Sa.Helpers.ExchangeHarness;

namespace Overlay.Ike.Tests.Sa;

/// <summary>
/// NAT traversal of an IKE SA (RFC 7296 §2.23, RFC 3948 §2.3). Host A sits behind a NAT that keeps its address
/// and changes its ports (port 500 leaves as 40000, port 4500 as 40001), as the nat-traversal lab's masquerade
/// does: B must send ESP to the mapped endpoint, follow A when an authenticated new request comes from another
/// port, and never move for anything else; A, behind the NAT, must not follow B, and keeps its mapping with
/// keepalives when it has nothing else to send.
/// </summary>
public sealed class NatTraversalTests : IDisposable
{
    private static readonly IPEndPoint MappedIke = new(AddressA.Address, 40000);
    private static readonly IPEndPoint MappedNatT = new(AddressA.Address, 40001);
    private static readonly IPEndPoint NatTB = new(AddressB.Address, IkeConstants.NatTraversalPort);
    private static readonly IPEndPoint NatTA = new(AddressA.Address, IkeConstants.NatTraversalPort);
    private readonly ExchangeHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public void Behind_a_port_changing_NAT_ESP_goes_to_the_mapped_endpoint_on_both_sides()
    {
        IkeSa a = EstablishThroughNat();
        IkeSa b = _h.Responder!;

        Assert.True(a.LocalBehindNat && !a.RemoteBehindNat);
        Assert.True(b.RemoteBehindNat && !b.LocalBehindNat);
        Assert.Equal((NatTA, NatTB), (a.Local, a.Remote));
        Assert.Equal(MappedNatT, b.Remote);
        // B's ESP goes to A's mapped NAT-T port and may follow it; A's goes to B's port 4500 and never follows.
        Assert.Equal(new NatMapping(MappedNatT, FollowsPeer: true), Assert.Single(_h.B.Sink.Installed).NatMapping);
        Assert.Equal(new NatMapping(NatTB, FollowsPeer: false), Assert.Single(_h.A.Sink.Installed).NatMapping);
    }

    [Fact]
    public void Without_a_NAT_ESP_goes_to_the_configured_endpoint()
    {
        _h.Establish(RedChild);

        Assert.Null(Assert.Single(_h.A.Sink.Installed).NatMapping);
        Assert.Null(Assert.Single(_h.B.Sink.Installed).NatMapping);
    }

    [Fact]
    public void An_authenticated_new_request_from_a_rebound_port_moves_the_peer_and_its_ESP()
    {
        IkeSa a = EstablishThroughNat();
        var rebound = new IPEndPoint(AddressA.Address, 40555);

        a.CheckLiveness();
        // HDR, SK {} -->  (the NAT forgot A's mapping: it now leaves from port 40555)
        DeliverToB(rebound);

        Assert.Equal(rebound, _h.Responder!.Remote);
        (IkeIdentity peer, NatMapping mapping) = Assert.Single(_h.B.Sink.Moves);
        Assert.Equal(a.Config.LocalId.ToString(), peer.ToString());
        Assert.Equal(new NatMapping(rebound, FollowsPeer: true), mapping);
        // <-- HDR, SK {}  goes to the new port, and B's next requests too.
        Assert.Equal(rebound, _h.B.Sender.Routes[^1].Remote);
    }

    [Fact]
    public void A_forged_or_replayed_request_from_another_port_moves_nothing()
    {
        IkeSa a = EstablishThroughNat();
        a.CheckLiveness();
        byte[] request = _h.A.Sender.Outbox.Peek();
        byte[] forged = (byte[])request.Clone();
        forged[^1] ^= 0x01; // the ICV no longer verifies
        var attacker = new IPEndPoint(IPAddress.Parse("198.51.100.7"), 4500);

        _h.B.Manager.Receive(forged, NatTB, attacker);
        DeliverToB(MappedNatT); // the genuine request, from where A is
        _h.B.Manager.Receive(request, NatTB, attacker); // replayed from elsewhere: answered as a retransmission, no move

        Assert.Equal(MappedNatT, _h.Responder!.Remote);
        Assert.Empty(_h.B.Sink.Moves);
    }

    [Fact]
    public void The_host_behind_the_NAT_does_not_follow_its_peer_to_another_endpoint()
    {
        IkeSa a = EstablishThroughNat();
        _h.Responder!.CheckLiveness();

        // <-- HDR, SK {}  authenticated, but arriving from another port of B: A, behind a NAT, stays put.
        byte[] request = _h.B.Sender.Outbox.Dequeue();
        _h.A.Manager.Receive(request, NatTA, new IPEndPoint(AddressB.Address, 4999));

        Assert.Equal(NatTB, a.Remote);
        Assert.Empty(_h.A.Sink.Moves);
    }

    [Fact]
    public void Keepalives_leave_the_host_behind_the_NAT_every_interval_it_sent_nothing_else()
    {
        IkeSa a = EstablishThroughNat();

        _h.Time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal((NatTA, NatTB), Assert.Single(_h.A.Sender.Keepalives));
        Assert.Empty(_h.B.Sender.Keepalives); // B is not behind a NAT

        _h.Time.Advance(TimeSpan.FromSeconds(15));
        a.CheckLiveness(); // IKE traffic at 35 s: the keepalive due at 40 s is not needed
        DeliverToB(MappedNatT);
        _h.A.Manager.Receive(_h.B.Sender.Outbox.Dequeue(), NatTA, NatTB);
        _h.Time.Advance(TimeSpan.FromSeconds(5));
        Assert.Single(_h.A.Sender.Keepalives);

        _h.Time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(2, _h.A.Sender.Keepalives.Count);
        Assert.Equal(2, a.NatKeepalivesSent);
    }

    [Fact]
    public void A_keepalive_interval_of_zero_sends_none()
    {
        using var h = new ExchangeHarness(c => c with { NatKeepalive = TimeSpan.Zero });
        IkeSa a = EstablishThroughNat(h);

        h.Time.Advance(TimeSpan.FromSeconds(60));

        Assert.True(a.LocalBehindNat);
        Assert.Empty(h.A.Sender.Keepalives);
    }

    private IkeSa EstablishThroughNat() => EstablishThroughNat(_h);

    /// <summary>IKE_SA_INIT from A's port 500 arrives from 40000; A floats to 4500 (§2.23), which leaves as 40001.</summary>
    private static IkeSa EstablishThroughNat(ExchangeHarness h)
    {
        IkeSa a = h.Start(RedChild);
        // HDR, SAi1, KEi, Ni, N(NAT_DETECTION_SOURCE_IP), N(NAT_DETECTION_DESTINATION_IP) -->
        h.B.Manager.Receive(h.A.Sender.Outbox.Dequeue(), AddressB, MappedIke);
        h.B.Observe();
        //                      <-- HDR, SAr1, KEr, Nr, N(NAT_DETECTION_*), to the mapped port, which the NAT reverses
        h.A.Manager.Receive(h.B.Sender.Outbox.Dequeue(), AddressA, AddressB);
        // HDR, SK {IDi, AUTH, SAi2, TSi, TSr} --> on port 4500 now
        Assert.Equal(NatTB, a.Remote);
        h.B.Manager.Receive(h.A.Sender.Outbox.Dequeue(), NatTB, MappedNatT);
        //                      <-- HDR, SK {IDr, AUTH, SAr2, TSi, TSr}
        h.A.Manager.Receive(h.B.Sender.Outbox.Dequeue(), NatTA, NatTB);
        Assert.Equal(IkeSaState.Established, a.State);
        Assert.Equal(IkeSaState.Established, h.Responder!.State);
        return a;
    }

    private void DeliverToB(IPEndPoint source)
    {
        _h.B.Manager.Receive(_h.A.Sender.Outbox.Dequeue(), NatTB, source);
    }
}
