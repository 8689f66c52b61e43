using System.Buffers.Binary;
using System.Net;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Sa;
using Overlay.Ike.Tests.Sa.Helpers;
using static Overlay.Ike.Tests.Sa.Helpers.ExchangeHarness;

namespace Overlay.Ike.Tests.Sa;

/// <summary>Half-open responder SAs (RFC 7296 §2.6): what a spoofed IKE_SA_INIT can make B keep, and for how long.</summary>
public sealed partial class IkeSaManagerTests
{
    private static readonly HalfOpenOptions TenSecondsTwoPerSource = new(TimeSpan.FromSeconds(10), 2);

    [Fact]
    public void A_half_open_sa_that_is_not_authenticated_within_the_timeout_is_destroyed()
    {
        using var h = new ExchangeHarness(halfOpen: TenSecondsTwoPerSource);
        h.Start(RedChild);
        // HDR, SAi1, KEi, Ni -->   (and nothing more: IKE_AUTH never comes)
        h.DeliverToResponder();
        var halfOpen = h.Responder!;
        Assert.Equal((IkeSaState.Connecting, 1), (halfOpen.State, h.B.Manager.HalfOpenCount));

        h.Time.Advance(TimeSpan.FromSeconds(9.9));
        Assert.Equal(IkeSaState.Connecting, halfOpen.State);
        h.Time.Advance(TimeSpan.FromSeconds(0.2));
        Assert.Equal(IkeSaState.Destroyed, halfOpen.State);
        Assert.Contains("half-open timeout", halfOpen.FailureReason);
        Assert.Equal(0, h.B.Manager.HalfOpenCount);
        Assert.Empty(h.B.Manager.Sas);
        Assert.Equal(1, h.B.Manager.HalfOpenCounters.Expired);
    }

    [Fact]
    public void An_sa_authenticated_in_time_outlives_the_half_open_timeout()
    {
        using var h = new ExchangeHarness(halfOpen: TenSecondsTwoPerSource);
        h.Establish(RedChild);
        Assert.Equal(0, h.B.Manager.HalfOpenCount);

        h.Time.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(IkeSaState.Established, h.Responder!.State);
        Assert.Single(h.B.Sink.Current);
        Assert.Equal(0, h.B.Manager.HalfOpenCounters.Expired);
    }

    [Fact]
    public void A_malformed_ike_sa_init_creates_no_state_and_gets_no_answer_below_or_above_the_cookie_threshold()
    {
        using var h = new ExchangeHarness(cookiesB: new CookieOptions(2, TimeSpan.FromMinutes(5)),
            halfOpen: new HalfOpenOptions(TimeSpan.FromSeconds(30), 100));
        var request = TakeInitRequest(h);
        byte[][] malformed = [WithoutNonce(request), Truncated(request)];

        // Below the threshold: nothing kept, nothing answered.
        foreach (var datagram in malformed)
        {
            h.InjectToResponder(datagram);
        }

        Assert.Empty(h.B.Manager.Sas);
        Assert.Empty(h.B.Sender.Outbox);

        // At the threshold (two half-open SAs): a malformed request neither skips the COOKIE check into an SA...
        h.InjectToResponder(request);
        h.InjectToResponder(TakeInitRequest(h));
        Assert.Equal(2, h.B.Manager.HalfOpenCount);
        h.B.Sender.Outbox.Clear();
        foreach (var datagram in malformed.Concat([WithoutNonce(TakeInitRequest(h)), Truncated(TakeInitRequest(h))]))
        {
            h.InjectToResponder(datagram);
        }

        Assert.Equal(2, h.B.Manager.Sas.Count);
        Assert.Equal(2, h.B.Manager.HalfOpenCount);
        Assert.Empty(h.B.Sender.Outbox);
        // The first two share SPIi with a half-open SA now: they reach it (and it drops them), they are not new requests.
        Assert.Equal(4, h.B.Manager.HalfOpenCounters.Malformed);

        // ...while a well-formed one is answered with a COOKIE and kept out.
        h.InjectToResponder(TakeInitRequest(h));
        Assert.Equal([IkePayloadType.Notify], Types(Decode(Assert.Single(h.B.Sender.Outbox), null)));
        Assert.Equal(2, h.B.Manager.Sas.Count);
    }

    [Fact]
    public void The_cookie_threshold_counts_half_open_sas_of_every_source_and_only_until_they_authenticate()
    {
        using var h = new ExchangeHarness(cookiesB: new CookieOptions(3, TimeSpan.FromMinutes(5)), halfOpen: TenSecondsTwoPerSource);
        h.Establish(RedChild); // authenticated: not half-open, does not count
        h.B.Manager.Receive(TakeInitRequest(h), AddressB, Source(7));
        h.B.Manager.Receive(TakeInitRequest(h), AddressB, Source(8));
        h.B.Manager.Receive(TakeInitRequest(h), AddressB, Source(9));
        Assert.Equal(3, h.B.Manager.HalfOpenCount);
        Assert.Equal(0, h.B.Manager.Cookies!.CookiesSent);

        h.B.Manager.Receive(TakeInitRequest(h), AddressB, Source(10));
        Assert.Equal(1, h.B.Manager.Cookies.CookiesSent);
        Assert.Equal(4, h.B.Manager.Sas.Count);

        // Once they expire, requests get SAs again without cookies.
        h.Time.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(0, h.B.Manager.HalfOpenCount);
        h.B.Manager.Receive(TakeInitRequest(h), AddressB, Source(10));
        Assert.Equal(1, h.B.Manager.HalfOpenCount);
        Assert.Equal(1, h.B.Manager.Cookies.CookiesSent);
    }

    [Fact]
    public void A_source_at_its_half_open_limit_must_prove_its_address_and_then_displaces_a_spoofed_sa()
    {
        using var h = new ExchangeHarness(cookiesB: new CookieOptions(100, TimeSpan.FromMinutes(5)), halfOpen: TenSecondsTwoPerSource);
        // A spoofer sends two IKE_SA_INITs with A's address: B holds A's limit of half-open SAs.
        h.InjectToResponder(TakeInitRequest(h));
        h.InjectToResponder(TakeInitRequest(h));
        var spoofed = h.B.Manager.Sas.ToList();
        Assert.Equal(2, h.B.Manager.HalfOpenCount);
        h.B.Sender.Outbox.Clear();

        // Another address is not limited by A's.
        h.B.Manager.Receive(TakeInitRequest(h), AddressB, Source(7));
        Assert.Equal(3, h.B.Manager.HalfOpenCount);
        h.B.Sender.Outbox.Clear();

        // The real A starts: at A's limit it is asked for a cookie, and B keeps nothing.
        var real = h.Start(RedChild);
        // HDR(SPIi, 0), SAi1, KEi, Ni -->
        h.DeliverToResponder();
        //                   <-- HDR(SPIi, 0), N(COOKIE)
        Assert.Equal([IkePayloadType.Notify], Types(Decode(h.B.Sender.Outbox.Peek(), null)));
        Assert.Equal(3, h.B.Manager.Sas.Count);
        Assert.Equal(1, h.B.Manager.HalfOpenCounters.PerSourceLimited);

        // A returns the cookie: its SA replaces the oldest spoofed one, and the exchange completes.
        h.DeliverToInitiator();
        // HDR(SPIi, 0), N(COOKIE), SAi1, KEi, Ni -->
        h.DeliverToResponder();
        Assert.Equal(IkeSaState.Destroyed, spoofed[0].State);
        Assert.Equal(IkeSaState.Connecting, spoofed[1].State);
        Assert.Equal(3, h.B.Manager.HalfOpenCount);
        Assert.Equal(1, h.B.Manager.HalfOpenCounters.PerSourceDisplaced);
        h.DeliverToInitiator();
        h.DeliverToResponder();
        h.DeliverToInitiator();
        Assert.Equal(IkeSaState.Established, real.State);
        Assert.Equal(2, h.B.Manager.HalfOpenCount);
    }

    [Fact]
    public void Without_cookies_a_source_at_its_half_open_limit_is_dropped_and_counted()
    {
        using var h = new ExchangeHarness(halfOpen: TenSecondsTwoPerSource);
        for (var n = 0; n < 5; n++)
        {
            h.InjectToResponder(TakeInitRequest(h));
        }

        Assert.Equal(2, h.B.Manager.HalfOpenCount);
        Assert.Equal(2, h.B.Manager.Sas.Count);
        Assert.Equal(3, h.B.Manager.HalfOpenCounters.PerSourceLimited);
        Assert.Equal(2, h.B.Sender.Outbox.Count); // the two SAs' IKE_SA_INIT responses, nothing for the others
    }

    /// <summary>A fresh, valid IKE_SA_INIT request built by A (its SA is left to time out, never continued).</summary>
    private static byte[] TakeInitRequest(ExchangeHarness h)
    {
        h.A.Manager.Initiate(h.A.Config, RedChild, AddressA, AddressB);
        return h.A.Sender.Outbox.Dequeue();
    }

    private static IPEndPoint Source(int host) => new(IPAddress.Parse($"198.51.100.{host}"), 500);

    /// <summary>The request without its Ni payload: well-formed octets, but not a valid IKE_SA_INIT (RFC 7296 §1.2).</summary>
    private static byte[] WithoutNonce(byte[] request)
    {
        Assert.True(IkeMessage.TryParse(request, out var m, out _));
        return new IkeMessage(m.Header, [.. m.Payloads.Where(p => p is not NoncePayload)]).ToArray();
    }

    /// <summary>The request cut inside its payloads, with the header's length saying so: a payload runs past the end.</summary>
    private static byte[] Truncated(byte[] request)
    {
        var cut = request[..(request.Length - 20)];
        BinaryPrimitives.WriteUInt32BigEndian(cut.AsSpan(24), (uint)cut.Length); // IKE header: length at octet 24 (§3.1)
        return cut;
    }
}
