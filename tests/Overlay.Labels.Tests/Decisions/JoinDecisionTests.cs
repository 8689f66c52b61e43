using Overlay.Labels.Compiled;
using Overlay.Labels.Decisions;
using Overlay.Labels.Tests.Support;

namespace Overlay.Labels.Tests.Decisions;

/// <summary>
/// <see cref="PolicyDecisions.Join"/>: carriage first, then (for a TVD with a requirement) the peer's verdict must be
/// presented, met and fresh at the time of the decision.
/// </summary>
public sealed class JoinDecisionTests
{
    private static readonly DateTimeOffset Now = AttestedPolicies.Now;
    private readonly CompiledPolicy _policy = AttestedPolicies.Example();

    private Decision Join(string tvd, string local, string peer, IAttestationStatus? status) =>
        PolicyDecisions.Join(_policy, _policy.FindTvd(tvd)!, _policy.FindHost(local)!, _policy.FindHost(peer)!, status, Now);

    private static FakeAttestationStatus Proved(AttestationVerdict verdict) => new FakeAttestationStatus().With("known-good", verdict);

    [Fact]
    public void A_peer_that_meets_the_requirement_until_later_joins()
    {
        var status = Proved(AttestationVerdict.MetUntil(Now.AddSeconds(30)));

        var d = Join("red", "host1", "host2", status);

        Assert.True(d.Allowed);
        Assert.Equal(DecisionAction.Join, d.Action);
        Assert.Equal(DecisionRule.Attestation, d.Rule);
        Assert.Equal(AttestationOutcome.Met, d.AttestationOutcome);
        Assert.Same(_policy.FindAttestation("known-good"), d.Requirement);
        Assert.Same(d.Requirement, status.LastAsked);
        Assert.Equal(("red", "host1", "host2"), (d.Tvd!.Name, d.Host!.Name, d.PeerHost!.Name));
        Assert.Equal("allow: attestation: host host2 meets 'known-good' for TVD red (evidence valid until 2030-01-02T03:04:35Z)", d.ToString());
    }

    [Fact]
    public void A_peer_that_presented_nothing_is_denied()
    {
        var d = Join("red", "host1", "host2", status: null);

        Assert.False(d.Allowed);
        Assert.Equal(AttestationOutcome.NotPresented, d.AttestationOutcome);
        Assert.Equal("deny: attestation: host host2 presented no evidence; TVD red requires 'known-good'", d.ToString());
    }

    [Fact]
    public void A_peer_whose_status_has_nothing_for_the_requirement_is_denied_alike()
    {
        var status = new FakeAttestationStatus().With("other", AttestationVerdict.MetUntil(Now.AddSeconds(30)));

        var d = Join("red", "host2", "host1", status);

        Assert.False(d.Allowed);
        Assert.Equal(1, status.Asked);
        Assert.Equal("deny: attestation: host host1 presented no evidence; TVD red requires 'known-good'", d.ToString());
    }

    [Theory]
    [InlineData("ref.unknown /usr/bin/evil sha256:5b2e", "deny: attestation: host host2 does not meet 'known-good' for TVD red: ref.unknown /usr/bin/evil sha256:5b2e")]
    [InlineData("", "deny: attestation: host host2 does not meet 'known-good' for TVD red")]
    public void A_peer_that_does_not_meet_the_requirement_is_denied_with_the_findings(string findings, string expected)
    {
        var d = Join("red", "host1", "host2", Proved(AttestationVerdict.NotMet(findings)));

        Assert.False(d.Allowed);
        Assert.Equal(AttestationOutcome.NotMet, d.AttestationOutcome);
        Assert.Equal(findings, d.AttestationVerdict.Findings);
        Assert.Equal(expected, d.ToString());
    }

    [Fact]
    public void A_not_met_verdict_is_denied_even_with_an_expiry_ahead()
    {
        var d = Join("red", "host1", "host2", Proved(new AttestationVerdict(true, false, "ak.trust", Now.AddSeconds(30))));

        Assert.False(d.Allowed);
        Assert.Equal(AttestationOutcome.NotMet, d.AttestationOutcome);
    }

    [Fact]
    public void Not_presented_wins_over_a_met_flag()
    {
        var d = Join("red", "host1", "host2", Proved(new AttestationVerdict(false, true, "", Now.AddSeconds(30))));

        Assert.Equal(AttestationOutcome.NotPresented, d.AttestationOutcome);
        Assert.False(d.Allowed);
    }

    [Theory]
    [InlineData(0, AttestationOutcome.Expired)]                // expires exactly now: expired
    [InlineData(-1, AttestationOutcome.Expired)]
    [InlineData(-3600, AttestationOutcome.Expired)]
    [InlineData(0.001, AttestationOutcome.Met)]                // a millisecond left
    [InlineData(60, AttestationOutcome.Met)]                   // evidence made just now: exactly max_age ahead
    [InlineData(60.001, AttestationOutcome.BeyondMaxAge)]      // more than max_age ahead: not judged against this requirement
    public void Evidence_is_fresh_strictly_before_it_expires_and_never_beyond_max_age(double secondsLeft, AttestationOutcome outcome)
    {
        var d = Join("red", "host1", "host2", Proved(AttestationVerdict.MetUntil(Now.AddSeconds(secondsLeft))));

        Assert.Equal(outcome, d.AttestationOutcome);
        Assert.Equal(outcome == AttestationOutcome.Met, d.Allowed);
    }

    [Fact]
    public void Expired_evidence_says_when_it_expired()
    {
        var d = Join("red", "host1", "host2", Proved(AttestationVerdict.MetUntil(Now.AddSeconds(-5))));

        Assert.Equal("deny: attestation: the evidence of host host2 for 'known-good' expired at 2030-01-02T03:04:00Z (TVD red)", d.ToString());
    }

    [Fact]
    public void Met_evidence_without_an_expiry_is_denied()
    {
        var d = Join("red", "host1", "host2", Proved(new AttestationVerdict(true, true, "", null)));

        Assert.False(d.Allowed);
        Assert.Equal(AttestationOutcome.NoExpiry, d.AttestationOutcome);
        Assert.Equal("deny: attestation: the evidence of host host2 for 'known-good' has no expiry time, so its freshness cannot be checked (TVD red)", d.ToString());
    }

    [Fact]
    public void Evidence_said_valid_longer_than_max_age_is_denied()
    {
        var d = Join("red", "host1", "host2", Proved(AttestationVerdict.MetUntil(Now.AddSeconds(300))));

        Assert.False(d.Allowed);
        Assert.Equal(
            "deny: attestation: the evidence of host host2 for 'known-good' is said to be valid until 2030-01-02T03:09:05Z, longer than its max_age of 60 s allows, so it was not judged against this requirement (TVD red)",
            d.ToString());
    }

    [Fact]
    public void A_default_verdict_is_not_presented()
    {
        var d = Join("red", "host1", "host2", Proved(default));

        Assert.Equal(AttestationOutcome.NotPresented, d.AttestationOutcome);
    }

    [Theory]
    [InlineData("green", "host1", "host2", "allow: carriage: hosts host1 and host2 may both run type green of TVD green (TVD green requires no attestation)")]
    [InlineData("green", "host3", "host3", "allow: carriage: host host3 may run type green of TVD green (TVD green requires no attestation)")]
    public void A_tvd_without_a_requirement_admits_on_carriage_without_asking(string tvd, string local, string peer, string expected)
    {
        var status = Proved(AttestationVerdict.NotMet("everything"));

        var d = Join(tvd, local, peer, status);

        Assert.True(d.Allowed);
        Assert.Equal(DecisionRule.Carriage, d.Rule);
        Assert.Equal(AttestationOutcome.NotRequired, d.AttestationOutcome);
        Assert.Null(d.Requirement);
        Assert.Equal(0, status.Asked);
        Assert.Equal(expected, d.ToString());
    }

    [Fact]
    public void A_tvd_without_a_requirement_admits_a_peer_that_presented_nothing()
    {
        Assert.True(Join("green", "host1", "host3", status: null).Allowed);
    }

    [Theory]
    [InlineData("blue", "host1", "host2", CarrySide.Peer, "deny: carriage: host host2 may not run type blue of TVD blue (host types: red, green)")]
    [InlineData("red", "host3", "host1", CarrySide.Local, "deny: carriage: host host3 may not run type red of TVD red (host types: green)")]
    [InlineData("blue", "host3", "host3", CarrySide.Both, "deny: carriage: host host3 may not run type blue of TVD blue (host types: green)")]
    [InlineData("blue", "host2", "host3", CarrySide.Both,
        "deny: carriage: neither host host2 (host types: red, green) nor host host3 (host types: green) may run type blue of TVD blue")]
    public void Carriage_is_decided_first_and_then_attestation_is_not_asked(string tvd, string local, string peer, CarrySide lacking, string expected)
    {
        var status = Proved(AttestationVerdict.MetUntil(Now.AddSeconds(30)));

        var d = Join(tvd, local, peer, status);

        Assert.False(d.Allowed);
        Assert.Equal(DecisionAction.Join, d.Action);
        Assert.Equal(DecisionRule.Carriage, d.Rule);
        Assert.Equal(lacking, d.Lacking);
        Assert.Equal(AttestationOutcome.None, d.AttestationOutcome);
        Assert.Equal(0, status.Asked);
        Assert.Equal(expected, d.ToString());
    }

    [Fact]
    public void Join_allocates_nothing()
    {
        var (red, green) = (_policy.FindTvd("red")!, _policy.FindTvd("green")!);
        var (host1, host2) = (_policy.FindHost("host1")!, _policy.FindHost("host2")!);
        var met = Proved(AttestationVerdict.MetUntil(Now.AddSeconds(30)));
        var failed = Proved(AttestationVerdict.NotMet("ref.unknown /usr/bin/evil"));
        PolicyDecisions.Join(_policy, red, host1, host2, met, Now);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var allowed = PolicyDecisions.Join(_policy, red, host1, host2, met, Now);
        var denied = PolicyDecisions.Join(_policy, red, host1, host2, failed, Now);
        var absent = PolicyDecisions.Join(_policy, red, host1, host2, null, Now);
        var free = PolicyDecisions.Join(_policy, green, host1, host2, null, Now);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal((true, false, false, true), (allowed.Allowed, denied.Allowed, absent.Allowed, free.Allowed));
        Assert.Equal(0, allocated);
    }
}
