using Overlay.Ike.Attestation;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Sa;
using Overlay.Ike.Tests.Sa.Helpers;
using static Overlay.Ike.Tests.Sa.Helpers.ExchangeHarness;

namespace Overlay.Ike.Tests.Attestation;

/// <summary>
/// Attested IKE between two of our hosts in one process (docs/protocol.md), with attestation faked at its port:
/// what travels where, what is bound to what, what waits for what, and what the label policy gets to decide.
/// B requires attestation for tvd:red and nothing for tvd:blue.
/// </summary>
public sealed class AttestedExchangeTests
{
    private static readonly ChildSaConfig BlueChild = RedChild with { Name = "blue", Label = "tvd:blue" };

    private static ExchangeHarness Harness(FakeAttestation? a, FakeAttestation? b, Func<IkeSaConfig, IkeSaConfig>? configure = null)
    {
        var h = new ExchangeHarness(configure, configure, attestationA: a, attestationB: b);
        h.B.Policy.Allowed.Add(("hostA", "tvd:blue"));
        h.B.Policy.RequireAttestation.Add("tvd:red");
        return h;
    }

    [Fact]
    public void Both_sides_announce_a_challenge_present_evidence_for_the_other_and_red_is_admitted()
    {
        var (a, b) = FakeAttestation.Pair();
        using var h = Harness(a, b);
        h.Start(RedChild);

        // HDR, SAi1, KEi, Ni, N(NAT_D)*, N(FRAG_SUP), N(TVD_ATTEST_SUP, Ca)  -->
        var m1 = h.DeliverToResponder();
        Assert.True(AttestationNotifies.TryReadSupported(m1.FindNotify(NotifyType.TvdAttestationSupported), out var ca));
        Assert.Equal(a.CurrentChallenge, ca);
        Assert.True(b.Requests[0].Urgent, "B starts its quote as soon as it has A's challenge");
        //                      <--  HDR, SAr1, KEr, Nr, ..., N(TVD_ATTEST_SUP, Cb)
        var m2 = h.DeliverToInitiator();
        Assert.True(AttestationNotifies.TryReadSupported(m2.FindNotify(NotifyType.TvdAttestationSupported), out var cb));
        Assert.Equal(b.CurrentChallenge, cb);

        // HDR, SK {IDi, AUTH, N(EVIDENCE), N(BINDING), SAi2, TSi, TSr}  -->
        var m3 = h.DeliverToResponder();
        Assert.NotNull(m3.FindNotify(NotifyType.TvdAttestationEvidence));
        Assert.NotNull(m3.FindNotify(NotifyType.TvdAttestationBinding));
        Assert.Equal(b.CurrentChallenge, a.Requests.Last().Challenge); // A's evidence covers B's challenge
        //                      <--  HDR, SK {IDr, AUTH, N(EVIDENCE), N(BINDING), SAr2, TSi, TSr}
        var m4 = h.DeliverToInitiator();
        Assert.NotNull(m4.FindNotify(NotifyType.TvdAttestationEvidence));

        Assert.Equal(new FakeAppraisal(true, "met"), h.Responder!.PeerAttestation);
        Assert.Equal(new FakeAppraisal(true, "met"), h.Initiator.PeerAttestation);
        Assert.Equal("tvd:red", Assert.Single(h.A.Sink.Current).Label);
        Assert.Equal("tvd:red", Assert.Single(h.B.Sink.Current).Label);
        Assert.Contains(h.B.Policy.Asked, q => q.Label == "tvd:red" && q.Attestation is FakeAppraisal { Met: true });
    }

    [Fact]
    public void A_peer_that_does_not_speak_it_never_sees_it_and_gets_only_what_needs_no_evidence()
    {
        var b = new FakeAttestation("B");
        using var h = Harness(null, b);
        h.Start(RedChild);
        h.DeliverToResponder();
        var m2 = h.DeliverToInitiator();
        Assert.Null(m2.FindNotify(NotifyType.TvdAttestationSupported)); // answered only when asked
        h.DeliverToResponder();
        var m4 = h.DeliverToInitiator();

        Assert.Equal([NotifyType.TsUnacceptable], Notifies(m4)); // no private notify for a stock peer
        Assert.False(h.Responder!.AttestationNegotiated);
        Assert.Null(h.Responder.PeerAttestation);
        Assert.Empty(b.Appraised);
        h.Initiator.CreateChildSa(BlueChild);
        h.DeliverUntilQuiet();
        Assert.Equal("tvd:blue", Assert.Single(h.B.Sink.Current).Label);
    }

    [Fact]
    public void Evidence_the_responder_finds_wanting_gets_ts_unacceptable_with_the_reason_and_the_sa_stays()
    {
        var (a, b) = FakeAttestation.Pair();
        b.Fail = "ref.unknown /usr/bin/evil sha256:0badc0de";
        using var h = Harness(a, b);
        h.Start(RedChild);
        h.DeliverUntilQuiet();

        Assert.Equal(IkeSaState.Established, h.Initiator.State);
        Assert.Empty(h.B.Sink.Current);
        Assert.Contains("ref.unknown /usr/bin/evil", h.Initiator.ChildFailureReason);
        Assert.StartsWith("TsUnacceptable:", h.Initiator.ChildFailureReason);
        var refusal = Assert.Single(h.A.Sink.RefusedByPeer); // the refused end records it too, with the findings
        Assert.Equal(("tvd:red", false), (refusal.Label, refusal.Withdrawn));
        Assert.Contains("ref.unknown /usr/bin/evil sha256:0badc0de", refusal.Reason);
        h.Initiator.CreateChildSa(BlueChild); // what needs no evidence still comes up
        h.DeliverUntilQuiet();
        Assert.Equal("tvd:blue", Assert.Single(h.B.Sink.Current).Label);
    }

    [Fact]
    public void A_peer_admitted_to_nothing_fails_ike_auth_with_authentication_failed()
    {
        var (a, b) = FakeAttestation.Pair();
        b.Fail = "ak.trust AK 0badc0de is not trusted for host hostA";
        using var h = Harness(a, b);
        h.B.Policy.AdmitOnlyAttested = true;
        h.Start(RedChild);
        h.DeliverToResponder();
        h.DeliverToInitiator();
        h.DeliverToResponder();
        var m4 = h.DeliverToInitiator();

        // AUTH verified, so the peer also learns why (it speaks attested IKE)
        Assert.Equal([NotifyType.AuthenticationFailed, NotifyType.TvdAttestationRefused], Notifies(m4));
        Assert.Equal(IkeSaState.Destroyed, h.Responder!.State);
        Assert.Contains("admitted to no TVD", h.Responder.FailureReason);
        Assert.Contains("ak.trust", h.Responder.FailureReason);
        Assert.Equal(IkeSaState.Destroyed, h.Initiator.State);
        Assert.Contains("ak.trust", h.Initiator.FailureReason);
        var refusal = Assert.Single(h.A.Sink.RefusedByPeer);
        Assert.Null(refusal.Label); // the whole IKE SA
        Assert.Contains("admitted to no TVD: ak.trust AK 0badc0de", refusal.Reason);
        Assert.Empty(h.B.Sink.Installed);
    }

    [Fact]
    public void The_initiator_deletes_a_child_sa_whose_responder_it_does_not_admit()
    {
        var (a, b) = FakeAttestation.Pair();
        a.Fail = "quote.signature";
        using var h = Harness(a, b);
        h.A.Policy.RequireAttestation.Add("tvd:red"); // A requires it too: mutual
        h.Start(RedChild);
        h.DeliverToResponder();
        h.DeliverToInitiator();
        h.DeliverToResponder();
        h.DeliverToInitiator();

        Assert.Single(h.B.Sink.Current); // B admitted A and installed its half
        Assert.Empty(h.A.Sink.Installed); // A never installs one for a responder it does not admit
        Assert.Contains("quote.signature", h.Initiator.ChildFailureReason);
        h.DeliverUntilQuiet(); // A's DELETE takes B's half away, with A's reason for B's trail
        Assert.Empty(h.B.Sink.Current);
        Assert.Equal(IkeSaState.Established, h.Initiator.State);
        var refusal = Assert.Single(h.B.Sink.RefusedByPeer);
        Assert.Equal(("tvd:red", true), (refusal.Label, refusal.Withdrawn));
        Assert.Contains("quote.signature", refusal.Reason);
    }

    [Fact]
    public void A_child_sa_withdrawn_for_a_reason_tells_a_peer_that_speaks_attested_ike_and_no_other()
    {
        var (a, b) = FakeAttestation.Pair();
        using (var h = Harness(a, b))
        {
            h.Establish(RedChild);
            h.Initiator.DeleteChildSa(Assert.Single(h.Initiator.Children), refusal: "ref.unknown /usr/bin/evil");
            var delete = h.DeliverToResponder();
            Assert.Equal("ref.unknown /usr/bin/evil", AttestationNotifies.ReadRefused(delete.FindNotify(NotifyType.TvdAttestationRefused)));
            h.DeliverUntilQuiet();
            Assert.Empty(h.B.Sink.Current);
            var refusal = Assert.Single(h.B.Sink.RefusedByPeer);
            Assert.Equal(("tvd:red", true, "ref.unknown /usr/bin/evil"), (refusal.Label, refusal.Withdrawn, refusal.Reason));
        }

        using (var stock = Harness(null, new FakeAttestation("B")))
        {
            stock.Establish(BlueChild);
            stock.Initiator.DeleteChildSa(Assert.Single(stock.Initiator.Children), refusal: "policy reload");
            var delete = stock.DeliverToResponder();
            Assert.Empty(Notifies(delete)); // a plain Delete, as RFC 7296 has it
            stock.DeliverUntilQuiet();
            Assert.Empty(stock.B.Sink.Current);
            Assert.Empty(stock.B.Sink.RefusedByPeer);
        }
    }

    [Fact]
    public void The_responder_answers_once_its_evidence_is_ready_and_drops_retransmissions_meanwhile()
    {
        var (a, b) = FakeAttestation.Pair();
        b.Mode = EvidenceStatus.Pending;
        using var h = Harness(a, b);
        h.Start(RedChild);
        h.DeliverToResponder();
        h.DeliverToInitiator();
        h.DeliverToResponder(); // IKE_AUTH request: processed, its answer waits
        Assert.Equal(0, h.PendingFromB);

        h.Time.Advance(TimeSpan.FromSeconds(4)); // A retransmits; B must not process the request twice
        Assert.Equal(1, h.PendingFromA);
        h.DeliverToResponder();
        Assert.Equal(0, h.PendingFromB);
        Assert.Equal("retransmitted request whose response waits for our evidence", h.Responder!.Tasks.Stats.LastDropReason);

        b.Complete();
        Assert.Equal(1, h.PendingFromB);
        var m4 = h.DeliverToInitiator();
        Assert.NotNull(m4.FindNotify(NotifyType.TvdAttestationEvidence));
        Assert.Equal(IkeSaState.Established, h.Initiator.State);
        Assert.Equal("tvd:red", Assert.Single(h.A.Sink.Current).Label);
        Assert.Single(b.Appraised); // A's evidence appraised once
    }

    [Fact]
    public void The_initiator_waits_for_its_evidence_and_after_the_bound_goes_without_it()
    {
        var (a, b) = FakeAttestation.Pair();
        a.Mode = EvidenceStatus.Pending;
        using var h = Harness(a, b);
        h.Start(RedChild);
        h.DeliverToResponder();
        h.DeliverToInitiator();
        Assert.Equal(0, h.PendingFromA); // IKE_AUTH waits for A's evidence

        h.Time.Advance(TimeSpan.FromSeconds(10)); // EvidenceWait: the TPM hangs
        var m3 = h.DeliverToResponder();
        Assert.Null(m3.FindNotify(NotifyType.TvdAttestationEvidence));
        Assert.Contains("not ready within 10 s", h.Initiator.OwnEvidenceProblem);
        h.DeliverToInitiator();
        Assert.Equal(IkeSaState.Established, h.Initiator.State);
        Assert.Empty(h.B.Sink.Current); // red needs evidence
        Assert.Null(h.Responder!.PeerAttestation);
    }

    [Fact]
    public void Evidence_and_binding_from_one_sa_do_not_verify_in_another()
    {
        var (a, b) = FakeAttestation.Pair();
        using (var first = Harness(a, b))
        {
            first.Establish(RedChild);
        }

        // What a man in the middle could have kept of the first SA's IKE_AUTH: A's bundle and its binding.
        var (_, bundle, binding, firstOctets) = b.Appraised.Single();
        using var h = Harness(a, b);
        h.A.Random.Fill(new byte[64]); // the harness is deterministic: move A on, so this SA has other SPIs and nonces
        a.Replay = new OwnEvidence(bundle, _ => binding, 1);
        h.Start(RedChild);
        h.DeliverUntilQuiet();

        Assert.Equal(new FakeAppraisal(false, "binding"), h.Responder!.PeerAttestation);
        Assert.NotEqual(firstOctets, b.Appraised[^1].BindingOctets); // each SA binds its own octets
        Assert.Empty(h.B.Sink.Current);
    }

    [Fact]
    public void A_rotated_challenge_and_fresh_evidence_travel_in_informational_exchanges()
    {
        var (a, b) = FakeAttestation.Pair();
        using var h = Harness(a, b);
        h.Establish(RedChild);
        var bSa = h.Responder!;

        a.Rotate();
        h.Initiator.MaintainAttestation();
        // HDR, SK {N(CHALLENGE, Ca')}  -->
        var challenge = h.DeliverToResponder();
        Assert.Equal(IkeExchangeType.Informational, challenge.Header.ExchangeType);
        Assert.True(AttestationNotifies.TryReadChallenge(challenge.FindNotify(NotifyType.TvdAttestationChallenge), out var c));
        Assert.Equal(a.CurrentChallenge, c);
        Assert.Null(challenge.FindNotify(NotifyType.TvdAttestationEvidence)); // A's own evidence is still current
        h.DeliverToInitiator();

        bSa.MaintainAttestation(); // B's evidence for the new challenge is ready (the fake answers at once)
        // HDR, SK {N(EVIDENCE), N(BINDING)}  -->
        var refresh = h.DeliverToInitiator();
        Assert.NotNull(refresh.FindNotify(NotifyType.TvdAttestationEvidence));
        h.DeliverToResponder();
        Assert.Equal(1, h.Initiator.RefreshesReceived);
        Assert.Equal(new FakeAppraisal(true, "met"), h.Initiator.PeerAttestation);
        Assert.True(a.Appraised[^1].BindingOctets.AsSpan().StartsWith("TVD-IKE-BIND/v1 refresh"u8));

        bSa.MaintainAttestation(); // nothing new: no exchange
        Assert.Equal(0, h.PendingFromB);
        b.Requote(); // B measured something: its next quote goes out even for the same challenge
        bSa.MaintainAttestation();
        Assert.Equal(1, h.PendingFromB);
    }

    [Fact]
    public void Evidence_larger_than_many_datagrams_travels_in_fragments()
    {
        var (a, b) = FakeAttestation.Pair();
        a.BundleSize = 700_000;
        var fragmentation = new FragmentationOptions(MaxFragments: 2048, MaxReassembledLength: 3 << 20);
        using var h = Harness(a, b, c => c with { Fragmentation = fragmentation });
        h.Start(RedChild);
        h.DeliverToResponder();
        h.DeliverToInitiator();
        var m3 = h.DeliverAllToResponder();
        Assert.True(AttestationNotifies.TryAssembleEvidence(m3.FindAll<NotifyPayload>(), out var bundle, out var error), error);
        Assert.Equal(700_000, bundle.Length);
        Assert.True(h.Responder!.Tasks.Stats.MessagesReassembled >= 1);
        h.DeliverUntilQuiet();
        Assert.Equal(new FakeAppraisal(true, "met"), h.Responder.PeerAttestation);
        Assert.Single(h.B.Sink.Current);
    }
}
