using System.Net;
using Microsoft.Extensions.Time.Testing;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Sa;
using Overlay.Ike.Tests.Sa.Helpers;
using static Overlay.Ike.IkePayloadType;
using static Overlay.Ike.Tests.Sa.Helpers.ExchangeHarness;

namespace Overlay.Ike.Tests.Sa;

public sealed class ResponderCookiesTests
{
    private static readonly CookieOptions ThreeHalfOpen = new(3, TimeSpan.FromMinutes(5));

    [Fact]
    public void Above_the_half_open_threshold_ike_sa_init_gets_a_stateless_cookie_and_the_retry_gets_an_sa()
    {
        using var h = new ExchangeHarness(cookiesB: ThreeHalfOpen);
        // Three initiations that never continue past IKE_SA_INIT: B holds three half-open SAs.
        for (var n = 0; n < 3; n++)
        {
            h.A.Manager.Initiate(h.A.Config, RedChild, AddressA, AddressB);
            h.DeliverToResponder();
        }

        h.B.Sender.Outbox.Clear();
        Assert.Equal(3, h.B.Manager.HalfOpenCount);

        // Twenty more: each one is answered with only N(COOKIE) and B keeps nothing.
        var flood = new List<IkeSa>();
        byte[] cookieAnswer = [];
        for (var n = 0; n < 20; n++)
        {
            flood.Add(h.A.Manager.Initiate(h.A.Config, RedChild, AddressA, AddressB));
            // HDR(SPIi, 0), SAi1, KEi, Ni  -->
            h.DeliverToResponder();
            //                   <--  HDR(SPIi, 0), N(COOKIE)
            cookieAnswer = h.B.Sender.Outbox.Last();
            var answer = Decode(cookieAnswer, null);
            Assert.Equal([Notify], Types(answer));
            Assert.Equal((flood[^1].InitiatorSpi, 0ul), (answer.Header.InitiatorSpi, answer.Header.ResponderSpi));
            Assert.Equal(ResponderCookies.CookieLength, answer.FindNotify(NotifyType.Cookie)!.Data.Length);
        }

        Assert.Equal(3, h.B.Manager.Sas.Count);
        Assert.Equal(3, h.B.Manager.HalfOpenCount);
        Assert.Equal(20, h.B.Manager.Cookies!.CookiesSent);

        // The last initiator takes its cookie and retries; B creates the SA and the exchange completes.
        var last = flood[^1];
        h.B.Sender.Outbox.Clear();
        h.A.Sender.Outbox.Clear();
        last.Receive(cookieAnswer, AddressA, AddressB);
        // HDR(SPIi, 0), N(COOKIE), SAi1, KEi, Ni  -->
        var retry = h.DeliverToResponder();
        Assert.Equal(Notify, Types(retry)[0]);
        Assert.Equal(NotifyType.Cookie, ((NotifyPayload)retry.Payloads[0]).Type);
        Assert.Equal(4, h.B.Manager.Sas.Count);
        //                   <--  HDR, SAr1, KEr, Nr
        h.DeliverToInitiator();
        h.DeliverToResponder();
        h.DeliverToInitiator();
        Assert.Equal(IkeSaState.Established, last.State);
        Assert.Single(last.Children);
        Assert.Equal(0, h.B.Manager.Cookies.InvalidCookies);
    }

    [Fact]
    public void A_forged_or_foreign_cookie_is_answered_with_a_fresh_cookie_and_no_state()
    {
        using var h = new ExchangeHarness(cookiesB: ThreeHalfOpen with { HalfOpenThreshold = 0 });
        var sa = h.A.Manager.Initiate(h.A.Config, RedChild, AddressA, AddressB);
        var request = h.A.Sender.Outbox.Dequeue();
        var cookies = h.B.Manager.Cookies!;
        var good = CookieOf(Check(cookies, request, AddressA.Address, out var verified)!);
        Assert.False(verified);

        var forged = (byte[])good.Clone();
        forged[^1] ^= 1;
        Assert.NotNull(Check(cookies, WithCookie(request, forged), AddressA.Address, out verified));
        Assert.False(verified);
        // Bound to the initiator's address: the same cookie from another address is not valid.
        Assert.NotNull(Check(cookies, WithCookie(request, good), IPAddress.Parse("192.0.2.99"), out verified));
        Assert.Equal(2, cookies.InvalidCookies);
        Assert.Null(Check(cookies, WithCookie(request, good), AddressA.Address, out verified));
        Assert.True(verified);
        Assert.Empty(h.B.Manager.Sas);
        GC.KeepAlive(sa);
    }

    [Fact]
    public void Cookies_stay_valid_for_one_secret_rotation_but_not_two()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var cookies = new ResponderCookies(ThreeHalfOpen, new DeterministicRandom("cookies"), time);
        var nonce = new byte[32];
        var cookie = cookies.Compute(nonce, AddressA.Address, 0x1122334455667788);
        Assert.True(cookies.Verify(cookie, nonce, AddressA.Address, 0x1122334455667788));
        Assert.False(cookies.Verify(cookie, nonce, AddressA.Address, 0x1122334455667789)); // another SPIi
        Assert.False(cookies.Verify(cookie, new byte[31], AddressA.Address, 0x1122334455667788)); // another Ni

        time.Advance(TimeSpan.FromMinutes(5));
        Assert.True(cookies.Verify(cookie, nonce, AddressA.Address, 0x1122334455667788));
        Assert.NotEqual(cookie, cookies.Compute(nonce, AddressA.Address, 0x1122334455667788));
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.False(cookies.Verify(cookie, nonce, AddressA.Address, 0x1122334455667788));
    }

    [Fact]
    public void Below_the_threshold_no_cookie_is_asked_for()
    {
        using var h = new ExchangeHarness(cookiesB: ThreeHalfOpen);
        h.Establish(RedChild);
        Assert.Equal(0, h.B.Manager.Cookies!.CookiesSent);
        Assert.Equal(0, h.B.Manager.HalfOpenCount);
    }

    /// <summary>The cookie guard's decision about one datagram when a cookie is demanded.</summary>
    private static byte[]? Check(ResponderCookies cookies, byte[] datagram, IPAddress initiator, out bool verified)
    {
        Assert.True(IkeMessage.TryParse(datagram, out var request, out var error), error.ToString());
        return cookies.Check(request, initiator, demand: true, out verified);
    }

    private static byte[] CookieOf(byte[] answer)
    {
        Assert.True(IkeMessage.TryParse(answer, out var m, out _));
        return m.FindNotify(NotifyType.Cookie)!.Data;
    }

    /// <summary>The request with N(COOKIE) in front, as an initiator's retry carries it (§2.6).</summary>
    private static byte[] WithCookie(byte[] request, byte[] cookie)
    {
        Assert.True(IkeMessage.TryParse(request, out var m, out _));
        var payloads = new List<Overlay.Ike.Encoding.IIkePayload> { new NotifyPayload(NotifyType.Cookie, cookie) };
        payloads.AddRange(m.Payloads.Where(p => p is not NotifyPayload { Type: NotifyType.Cookie }));
        return new IkeMessage(m.Header, payloads).ToArray();
    }
}
