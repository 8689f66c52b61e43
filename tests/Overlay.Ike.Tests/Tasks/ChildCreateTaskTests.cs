using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Sa;
using Overlay.Ike.Tests.Sa.Helpers;
using static Overlay.Ike.IkePayloadType;
using static Overlay.Ike.Tests.Sa.Helpers.ExchangeHarness;

namespace Overlay.Ike.Tests.Tasks;

public sealed class ChildCreateTaskTests
{
    private static readonly ChildSaConfig BlueChild = RedChild with { Name = "blue", Label = "tvd:blue" };

    [Fact]
    public void Label_not_allowed_for_the_peer_gives_ts_unacceptable_and_the_ike_sa_stays()
    {
        using var h = new ExchangeHarness();
        var i = h.Start(BlueChild);
        h.DeliverToResponder();
        h.DeliverToInitiator();
        // HDR, SK {IDi, IDr, AUTH, SAi2, TSi(…, tvd:blue), TSr(…, tvd:blue)}  -->
        h.DeliverToResponder();
        Assert.Contains(("hostA", "tvd:blue"), h.B.Policy.Asked.Select(a => (a.Peer, a.Label)));

        //                   <--  HDR, SK {IDr, AUTH, N(TS_UNACCEPTABLE)}
        var m4 = h.DeliverToInitiator();
        Assert.Equal([IdResponder, Authentication, Notify], Types(m4));
        Assert.Equal([NotifyType.TsUnacceptable], Notifies(m4));
        Assert.Equal(IkeSaState.Established, i.State);
        Assert.Equal(IkeSaState.Established, h.Responder!.State);
        Assert.Equal("TsUnacceptable", i.ChildFailureReason);
        Assert.Empty(i.Children);
        Assert.Empty(h.A.Sink.Installed);
        Assert.Empty(h.B.Sink.Installed);

        // The IKE SA still works: a CHILD_SA for an allowed label can follow.
        i.CreateChildSa(RedChild);
        h.DeliverToResponder();
        h.DeliverToInitiator();
        Assert.Equal("tvd:red", Assert.Single(i.Children).Label);
    }

    [Fact]
    public void Create_child_sa_adds_a_second_label_with_fresh_nonces_and_keys()
    {
        using var h = new ExchangeHarness();
        h.B.Policy.Allowed.Add(("hostA", "tvd:blue"));
        var i = h.Establish(RedChild);

        i.CreateChildSa(BlueChild);
        // HDR, SK {SA, Ni, TSi, TSr}  -->
        var m1 = h.DeliverToResponder();
        Assert.Equal((IkeExchangeType.CreateChildSa, 2u), (m1.Header.ExchangeType, m1.Header.MessageId));
        Assert.Equal([SecurityAssociation, Nonce, TrafficSelectorInitiator, TrafficSelectorResponder], Types(m1));
        //                   <--  HDR, SK {SA, Nr, TSi, TSr}
        var m2 = h.DeliverToInitiator();
        Assert.Equal([SecurityAssociation, Nonce, TrafficSelectorInitiator, TrafficSelectorResponder], Types(m2));

        Assert.Equal(["tvd:red", "tvd:blue"], i.Children.Select(c => c.Label));
        Assert.Equal(["tvd:red", "tvd:blue"], h.Responder!.Children.Select(c => c.Label));
        var (ib, rb) = (i.Children[1], h.Responder.Children[1]);
        Assert.Equal(ib.OutboundKey.ToArray(), rb.InboundKey.ToArray());
        Assert.Equal(ib.InboundKey.ToArray(), rb.OutboundKey.ToArray());
        Assert.NotEqual(i.Children[0].OutboundKey.ToArray(), ib.OutboundKey.ToArray());
    }

    [Fact]
    public void Responder_narrows_address_selectors_to_its_template()
    {
        var narrow = ResponderTemplate with { RemoteSelectors = [Range("10.1.5.0", "10.1.5.255")] };
        using var h = new ExchangeHarness(configureB: c => c with { Children = [narrow] });
        var i = h.Establish(RedChild);
        var child = Assert.Single(i.Children);
        Assert.Equal("10.1.5.0-10.1.5.255 proto 0 ports 0-65535", Assert.Single(child.LocalSelectors).ToString());
        Assert.Equal("10.2.0.0-10.2.255.255 proto 0 ports 0-65535", Assert.Single(child.RemoteSelectors).ToString());
        Assert.Equal(child.LocalSelectors[0].ToString(), Assert.Single(h.Responder!.Children[0].RemoteSelectors).ToString());
    }

    [Fact]
    public void Ipv6_selectors_travel_as_ts_ipv6_addr_range_and_narrow_per_family()
    {
        // A offers both families (TS_IPV4_ADDR_RANGE and TS_IPV6_ADDR_RANGE in one payload); B's template is
        // IPv6 only and narrower on A's side: both ends install the IPv6 intersection and no IPv4 range.
        var dual = RedChild with
        {
            LocalSelectors = [Range("10.1.0.0", "10.1.255.255"), Range("fd13:1::", "fd13:1::ffff:ffff:ffff:ffff")],
            RemoteSelectors = [Range("10.2.0.0", "10.2.255.255"), Range("fd13:2::", "fd13:2::ffff:ffff:ffff:ffff")],
        };
        var v6 = ResponderTemplate with
        {
            LocalSelectors = [Range("fd13:2::", "fd13:2::ffff:ffff:ffff:ffff")],
            RemoteSelectors = [Range("fd13:1::10", "fd13:1::1f")],
        };
        using var h = new ExchangeHarness(configureB: c => c with { Children = [v6] });
        var i = h.Start(dual);
        h.DeliverToResponder();
        h.DeliverToInitiator();
        var auth = h.DeliverToResponder();
        var tsi = auth.Payloads.OfType<TrafficSelectorPayload>().Single(p => p.IsInitiator);
        Assert.Equal([TrafficSelectorType.Ipv4AddressRange, TrafficSelectorType.Ipv6AddressRange, TrafficSelectorType.SecurityLabel],
            tsi.Selectors.Select(s => s.Type));
        h.DeliverToInitiator();

        var child = Assert.Single(i.Children);
        Assert.Equal("fd13:1::10-fd13:1::1f proto 0 ports 0-65535", Assert.Single(child.LocalSelectors).ToString());
        Assert.Equal("fd13:2::-fd13:2::ffff:ffff:ffff:ffff proto 0 ports 0-65535", Assert.Single(child.RemoteSelectors).ToString());
        Assert.Equal(TrafficSelectorType.Ipv6AddressRange, child.LocalSelectors[0].RangeType);
        var responderChild = Assert.Single(h.Responder!.Children);
        Assert.Equal(child.LocalSelectors[0].ToString(), Assert.Single(responderChild.RemoteSelectors).ToString());
        Assert.Equal(child.RemoteSelectors[0].ToString(), Assert.Single(responderChild.LocalSelectors).ToString());
    }

    [Fact]
    public void Selectors_outside_every_template_are_ts_unacceptable()
    {
        var elsewhere = ResponderTemplate with { RemoteSelectors = [Range("172.16.0.0", "172.16.255.255")] };
        using var h = new ExchangeHarness(configureB: c => c with { Children = [elsewhere] });
        var i = h.Establish(RedChild);
        Assert.Empty(i.Children);
        Assert.Equal("TsUnacceptable", i.ChildFailureReason);
        Assert.Contains("selectors outside", h.Responder!.ChildFailureReason);
    }

    [Fact]
    public void Esp_proposal_without_a_common_suite_is_no_proposal_chosen()
    {
        var only128 = ResponderTemplate with { EspProposals = [EspSuite.AesGcm16_128] };
        var only256 = RedChild with { EspProposals = [EspSuite.AesGcm16_256] };
        using var h = new ExchangeHarness(configureB: c => c with { Children = [only128] });
        var i = h.Establish(only256);
        Assert.Empty(i.Children);
        Assert.Equal("NoProposalChosen", i.ChildFailureReason);
    }

    [Fact]
    public void Responder_picks_its_preferred_esp_suite_among_the_offered_ones()
    {
        var prefers128 = ResponderTemplate with { EspProposals = [EspSuite.AesGcm16_128, EspSuite.AesGcm16_256] };
        using var h = new ExchangeHarness(configureB: c => c with { Children = [prefers128] });
        var i = h.Establish(RedChild);
        Assert.Equal(EspSuite.AesGcm16_128, Assert.Single(i.Children).Suite);
        Assert.Equal(16 + 4, i.Children[0].OutboundKey.Length);
    }
}
