using System.Net;
using Overlay.Ike.Crypto;
using Overlay.Ike.Encoding;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Sa;
using Overlay.Ike.Tests.Sa.Helpers;
using static Overlay.Ike.Tests.Sa.Helpers.ExchangeHarness;

namespace Overlay.Ike.Tests.Sa;

/// <summary>
/// Every way an exchange fails is reported with its reason on the end that knows it — both ends where the peer is told —
/// counted once per failure and logged once per peer and reason in a window.
/// </summary>
public sealed class IkeFailureReportTests
{
    private static (IkeFailureReason Reason, bool ByPeer)[] Logged(Host host) => [.. host.FailureLog.Lines.Select(l => (l.Failure.Reason, l.Failure.ByPeer))];

    private static void RunHandshake(ExchangeHarness h)
    {
        h.Start(RedChild);
        h.DeliverUntilQuiet();
    }

    [Fact]
    public void A_wrong_psk_is_authentication_failed_on_both_ends_naming_the_peer_and_logged_once_per_window()
    {
        using var h = new ExchangeHarness(configureB: c => c with { PreSharedKey = "another-secret"u8.ToArray() });
        RunHandshake(h);

        Assert.Equal([(IkeFailureReason.AuthenticationFailed, false)], Logged(h.B)); // we could not verify its AUTH
        Assert.Equal([(IkeFailureReason.AuthenticationFailed, true)], Logged(h.A));  // it answered AUTHENTICATION_FAILED
        var responder = h.B.FailureLog.Lines[0].Failure;
        Assert.Equal((AddressA.Address, "hostA"), (responder.Address, responder.Peer));
        Assert.Contains("PSK AUTH does not verify", responder.Detail);
        Assert.Equal((AddressB.Address, "hostB"), (h.A.FailureLog.Lines[0].Failure.Address, h.A.FailureLog.Lines[0].Failure.Peer));

        // The initiator tries again (every retry interval): counted each time, logged again only a window later.
        RunHandshake(h);
        Assert.Equal((2, 2), (h.A.Failures.Count(IkeFailureReason.AuthenticationFailed), h.B.Failures.Count(IkeFailureReason.AuthenticationFailed)));
        Assert.Single(h.A.FailureLog.Lines);
        Assert.Single(h.B.FailureLog.Lines);

        h.Time.Advance(h.A.Failures.Window);
        RunHandshake(h);
        Assert.Equal(2, h.A.FailureLog.Lines.Count);
        Assert.Equal(1, h.A.FailureLog.Lines[1].Suppressed);
        Assert.Equal(1, h.B.FailureLog.Lines[1].Suppressed);
    }

    [Fact]
    public void Ike_proposals_without_a_common_suite_are_no_proposal_chosen_on_both_ends()
    {
        Assert.True(ProposalText.TryParseIke("aes128-sha256-modp2048", out var other));
        using var h = new ExchangeHarness(configureB: c => c with { IkeProposals = [other] });
        RunHandshake(h);

        Assert.Equal([(IkeFailureReason.NoProposalChosen, false)], Logged(h.B));
        Assert.Equal([(IkeFailureReason.NoProposalChosen, true)], Logged(h.A));
        Assert.Contains("NO_PROPOSAL_CHOSEN", h.B.FailureLog.Lines[0].Failure.Detail);

        // The handshake metric counts the same class, not the failure's text.
        Assert.Equal([new HandshakeCount("failed", "no_proposal_chosen", 1)], h.B.Manager.Handshakes.Snapshot());
        Assert.Equal([new HandshakeCount("failed", "no_proposal_chosen", 1)], h.A.Manager.Handshakes.Snapshot());
    }

    [Fact]
    public void A_label_the_responders_policy_refuses_is_ts_unacceptable_on_both_ends_with_the_policys_reason()
    {
        using var h = new ExchangeHarness();
        h.B.Policy.Allowed.Clear();
        RunHandshake(h);

        Assert.Equal(IkeSaState.Established, h.Initiator.State); // the IKE SA stays; the CHILD_SA was refused
        Assert.Equal([(IkeFailureReason.TsUnacceptable, false)], Logged(h.B));
        Assert.Equal([(IkeFailureReason.TsUnacceptable, true)], Logged(h.A));
        Assert.Contains("hostA may not have tvd:red", h.B.FailureLog.Lines[0].Failure.Detail);
    }

    [Fact]
    public void A_peer_whose_evidence_admits_it_to_nothing_is_attestation_refused_on_both_ends()
    {
        var (a, b) = FakeAttestation.Pair();
        b.Fail = "ak.trust AK 0badc0de is not trusted for host hostA";
        using var h = new ExchangeHarness(attestationA: a, attestationB: b);
        h.B.Policy.AdmitOnlyAttested = true;
        RunHandshake(h);

        Assert.Equal([(IkeFailureReason.AttestationRefused, false)], Logged(h.B));
        Assert.Equal([(IkeFailureReason.AttestationRefused, true)], Logged(h.A));
        Assert.Contains("ak.trust", h.A.FailureLog.Lines[0].Failure.Detail);
    }

    [Fact]
    public void A_peer_that_never_answers_is_retransmits_exhausted()
    {
        using var h = new ExchangeHarness();
        var i = h.Start(RedChild);
        for (int s = 0; s < 40 && i.State != IkeSaState.Destroyed; s++)
        {
            h.Time.Advance(TimeSpan.FromSeconds(10)); // the requests go nowhere
        }

        Assert.Equal(IkeSaState.Destroyed, i.State);
        Assert.Equal([(IkeFailureReason.RetransmitsExhausted, false)], Logged(h.A));
        Assert.Contains("IKE_SA_INIT", h.A.FailureLog.Lines[0].Failure.Detail);
        Assert.Equal(1, h.A.Failures.Count(IkeFailureReason.RetransmitsExhausted));
    }

    [Fact]
    public void A_responder_that_keeps_asking_for_a_cookie_is_cookie_limit()
    {
        using var h = new ExchangeHarness();
        var i = h.Start(RedChild);
        for (int round = 0; round <= Overlay.Ike.Tasks.IkeInitTask.MaxRetries && i.State != IkeSaState.Destroyed; round++)
        {
            h.A.Sender.Outbox.Clear();
            //                   <--  HDR, N(COOKIE)   (a fresh one each time: the responder never takes it)
            var answer = new IkeMessage(
                new IkeHeader(i.InitiatorSpi, 0, IkePayloadType.NoNextPayload, IkeExchangeType.IkeSaInit, IkeHeaderFlags.Response, 0, 0),
                [new NotifyPayload(NotifyType.Cookie, [.. Enumerable.Repeat((byte)round, 16)])]);
            i.Receive(answer.ToArray());
        }

        Assert.Equal(IkeSaState.Destroyed, i.State);
        Assert.Equal([(IkeFailureReason.CookieLimit, false)], Logged(h.A));
    }

    [Fact]
    public void Requests_beyond_a_sources_half_open_limit_and_half_open_sas_that_time_out_are_counted_and_logged_once()
    {
        using var h = new ExchangeHarness(halfOpen: new HalfOpenOptions(TimeSpan.FromSeconds(10), 1));
        for (int n = 0; n < 4; n++)
        {
            h.A.Manager.Initiate(h.A.Config, RedChild, AddressA, AddressB);
            h.DeliverToResponder(); // the first makes a half-open SA; the next three are over the limit
        }

        Assert.Equal(3, h.B.Failures.Count(IkeFailureReason.HalfOpenLimit));
        Assert.Equal([(IkeFailureReason.HalfOpenLimit, false)], Logged(h.B));
        Assert.Equal("hostA", h.B.FailureLog.Lines[0].Failure.Peer);

        h.Time.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(1, h.B.Failures.Count(IkeFailureReason.HalfOpenTimeout));
        Assert.Equal(IkeFailureReason.HalfOpenTimeout, h.B.FailureLog.Lines[^1].Failure.Reason);
        Assert.Equal([new HandshakeCount("failed", "half_open_timeout", 1)], h.B.Manager.Handshakes.Snapshot());
    }

    [Fact]
    public void A_successful_exchange_and_an_invalid_ke_round_report_nothing()
    {
        // B prefers ECP-256: A's first KEi (x25519) is answered INVALID_KE_PAYLOAD, which is negotiation, not failure.
        using var h = new ExchangeHarness(configureB: c => c with { IkeProposals = [.. IkeSaConfig.DefaultIkeProposals.Reverse()] });
        RunHandshake(h);
        Assert.Equal((IkeSaState.Established, IkeSaState.Established), (h.Initiator.State, h.Responder!.State));

        Assert.Empty(h.A.FailureLog.Lines);
        Assert.Empty(h.B.FailureLog.Lines);
        Assert.All(IkeFailureReasons.All, r => Assert.Equal(0, h.A.Failures.Count(r) + h.B.Failures.Count(r)));
    }
}
