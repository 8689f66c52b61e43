using System.Net;
using Overlay.Ike.Crypto;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Sa;
using Overlay.Ike.Tests.Sa.Helpers;
using static Overlay.Ike.IkePayloadType;
using static Overlay.Ike.Tests.Sa.Helpers.ExchangeHarness;

namespace Overlay.Ike.Tests.Tasks;

public sealed class IkeAuthTaskTests
{
    [Fact]
    public void Psk_happy_path_gives_both_sides_the_same_child_sa_keys_for_tvd_red()
    {
        using var h = new ExchangeHarness();
        var i = h.Start(RedChild);

        // HDR, SAi1, KEi, Ni, N(NAT_D_SRC), N(NAT_D_DST), N(FRAG_SUP)  -->
        var m1 = h.DeliverToResponder();
        Assert.Equal(IkeExchangeType.IkeSaInit, m1.Header.ExchangeType);
        Assert.Equal((0u, 0ul), (m1.Header.MessageId, m1.Header.ResponderSpi));
        Assert.Equal([SecurityAssociation, KeyExchange, Nonce, Notify, Notify, Notify], Types(m1));
        Assert.Equal([NotifyType.NatDetectionSourceIp, NotifyType.NatDetectionDestinationIp, NotifyType.Ikev2FragmentationSupported], Notifies(m1));
        var r = h.Responder!;
        Assert.Equal(IkeSaState.Connecting, r.State);

        //                   <--  HDR, SAr1, KEr, Nr, N(NAT_D_SRC), N(NAT_D_DST), N(FRAG_SUP)
        var m2 = h.DeliverToInitiator();
        Assert.True(m2.IsResponse);
        Assert.NotEqual(0ul, m2.Header.ResponderSpi);
        Assert.Equal([SecurityAssociation, KeyExchange, Nonce, Notify, Notify, Notify], Types(m2));
        Assert.Equal(r.ResponderSpi, i.ResponderSpi);
        Assert.Equal(i.Keys!.SkD, r.Keys!.SkD);
        Assert.Equal(KeyExchangeMethod.Curve25519, i.Suite!.KeyExchange);
        Assert.False(i.LocalBehindNat || i.RemoteBehindNat || r.LocalBehindNat || r.RemoteBehindNat);
        Assert.True(i.PeerSupportsFragmentation);

        // HDR, SK {IDi, IDr, AUTH, SAi2, TSi, TSr}  -->
        var m3 = h.DeliverToResponder();
        Assert.Equal((IkeExchangeType.IkeAuth, 1u), (m3.Header.ExchangeType, m3.Header.MessageId));
        Assert.Equal([IdInitiator, IdResponder, Authentication, SecurityAssociation, TrafficSelectorInitiator, TrafficSelectorResponder], Types(m3));
        Assert.Equal(["tvd:red"], m3.Payloads.OfType<TrafficSelectorPayload>().First().SecurityLabels);
        Assert.Equal(IkeSaState.Established, r.State);
        Assert.Equal("hostA", r.PeerIdentity!.ToString());
        Assert.Contains(("hostA", "tvd:red"), h.B.Policy.Asked.Select(a => (a.Peer, a.Label)));

        //                   <--  HDR, SK {IDr, AUTH, SAr2, TSi, TSr}
        var m4 = h.DeliverToInitiator();
        Assert.Equal([IdResponder, Authentication, SecurityAssociation, TrafficSelectorInitiator, TrafficSelectorResponder], Types(m4));
        Assert.Equal(IkeSaState.Established, i.State);
        Assert.Equal("hostB", i.PeerIdentity!.ToString());

        var ic = Assert.Single(h.A.Sink.Installed);
        var rc = Assert.Single(h.B.Sink.Installed);
        Assert.Equal(("tvd:red", "tvd:red"), (ic.Label, rc.Label));
        Assert.Equal((ic.InboundSpi, ic.OutboundSpi), (rc.OutboundSpi, rc.InboundSpi));
        Assert.Equal(ic.OutboundKey.ToArray(), rc.InboundKey.ToArray());
        Assert.Equal(ic.InboundKey.ToArray(), rc.OutboundKey.ToArray());
        Assert.NotEqual(ic.InboundKey.ToArray(), ic.OutboundKey.ToArray());
        Assert.Equal(EspSuite.AesGcm16_256, ic.Suite);
        Assert.Equal(32 + 4, ic.OutboundKey.Length);
        // KEYMAT = prf+(SK_d, Ni | Nr), initiator->responder key first (RFC 7296 §2.17).
        var keymat = PrfPlus.Derive(i.Suite.Prf, i.Keys.SkD, [.. i.NonceInitiator, .. i.NonceResponder], 72);
        Assert.Equal(keymat[..36], ic.OutboundKey.ToArray());
        Assert.Equal("10.1.0.0-10.1.255.255 proto 0 ports 0-65535", Assert.Single(ic.LocalSelectors).ToString());
        Assert.Equal(ic.LocalSelectors[0].ToString(), Assert.Single(rc.RemoteSelectors).ToString());
        Assert.Empty(h.A.Sender.Outbox);
        Assert.Empty(h.B.Sender.Outbox);
    }

    [Fact]
    public void Wrong_psk_is_answered_with_authentication_failed_and_both_sas_end()
    {
        using var h = new ExchangeHarness(configureB: c => c with { PreSharedKey = "another-secret"u8.ToArray() });
        var i = h.Start(RedChild);
        // HDR, SAi1, KEi, Ni  -->   <--  HDR, SAr1, KEr, Nr
        h.DeliverToResponder();
        h.DeliverToInitiator();
        var r = h.Responder!;

        // HDR, SK {IDi, IDr, AUTH, SAi2, TSi, TSr}  -->
        h.DeliverToResponder();
        Assert.Equal(IkeSaState.Destroyed, r.State);
        Assert.Contains("does not verify", r.FailureReason);
        Assert.Empty(h.B.Manager.Sas);

        //                   <--  HDR, SK {N(AUTHENTICATION_FAILED)}
        var m4 = h.DeliverToInitiator();
        Assert.Equal([NotifyType.AuthenticationFailed], Notifies(m4));
        Assert.Single(m4.Payloads);
        Assert.Equal(IkeSaState.Destroyed, i.State);
        Assert.Equal("peer answered AUTHENTICATION_FAILED", i.FailureReason);
        Assert.Empty(h.A.Sink.Installed);
        Assert.Empty(h.B.Sink.Installed);
    }

    [Fact]
    public void Initiator_refuses_a_responder_with_another_identity()
    {
        using var h = new ExchangeHarness(configureB: c => c with { LocalId = IkeIdentity.Fqdn("impostor") });
        var i = h.Start(RedChild);
        h.DeliverToResponder();
        h.DeliverToInitiator();
        h.DeliverToResponder();
        //                   <--  HDR, SK {IDr(impostor), AUTH, SAr2, TSi, TSr}
        h.DeliverToInitiator();
        Assert.Equal(IkeSaState.Destroyed, i.State);
        Assert.Equal("responder AUTH or identity does not verify: identity impostor is not the configured hostB", i.FailureReason);
        Assert.Empty(h.A.Sink.Installed);
    }

    public static TheoryData<string> IdentityKinds => ["fqdn", "ipv4", "ipv6", "keyid"];

    [Theory]
    [MemberData(nameof(IdentityKinds))]
    public void Every_identity_type_authenticates_and_is_what_the_label_policy_sees(string kind)
    {
        var (idA, text) = kind switch
        {
            "fqdn" => (IkeIdentity.Fqdn("a.tvd.example"), "a.tvd.example"),
            "ipv4" => (IkeIdentity.Address(IPAddress.Parse("192.0.2.1")), "192.0.2.1"),
            "ipv6" => (IkeIdentity.Address(IPAddress.Parse("2001:db8::1")), "2001:db8::1"),
            _ => (IkeIdentity.KeyId([0xde, 0xad, 0xbe, 0xef]), "DEADBEEF"),
        };
        using var h = new ExchangeHarness(c => c with { LocalId = idA }, c => c with { RemoteId = idA });
        h.B.Policy.Allowed.Add((text, "tvd:red"));
        h.Establish(RedChild);
        Assert.Equal(idA, h.Responder!.PeerIdentity);
        Assert.Contains((text, "tvd:red"), h.B.Policy.Asked.Select(a => (a.Peer, a.Label)));
        Assert.Single(h.B.Sink.Installed);
    }
}
