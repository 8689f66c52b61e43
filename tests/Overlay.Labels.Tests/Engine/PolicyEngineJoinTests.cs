using Overlay.Labels.Audit;
using Overlay.Labels.Decisions;
using Overlay.Labels.Engine;
using Overlay.Labels.Tests.Support;

namespace Overlay.Labels.Tests.Engine;

/// <summary>The engine's join: audited when a CHILD_SA is negotiated or revoked, unaudited for the periodic re-check.</summary>
public sealed class PolicyEngineJoinTests
{
    private static readonly DateTimeOffset Now = AttestedPolicies.Now;
    private readonly InMemoryDecisionAudit _audit = new();
    private readonly PolicyEngine _engine;

    public PolicyEngineJoinTests() => _engine = new PolicyEngine(AttestedPolicies.Example(), _audit);

    private static FakeAttestationStatus Met(int seconds = 30) =>
        new FakeAttestationStatus().With("known-good", AttestationVerdict.MetUntil(Now.AddSeconds(seconds)));

    [Theory]
    [InlineData("tvd:red", "host1", "host2", true, true)]
    [InlineData("tvd:red", "host1", "host2", false, false)]     // presented nothing
    [InlineData("tvd:green", "host1", "host3", false, true)]    // green requires nothing
    [InlineData("tvd:blue", "host1", "host2", true, false)]     // host2 may not run blue, whatever it proved
    [InlineData("tvd:red", "host1", "mars", true, false)]       // an identity that is no host
    public void A_label_is_joined_iff_carriage_and_the_requirement_allow(string label, string local, string peer, bool proved, bool allowed)
    {
        Assert.Equal(allowed, _engine.Join(label, local, peer, proved ? Met() : null, Now).Allowed);
    }

    [Theory]
    [InlineData("tvd:purple", "host1", "host2", "unknown TVD label 'tvd:purple'")]
    [InlineData("red", "host1", "host2", "unknown TVD label 'red'")]
    [InlineData("tvd:red", "host9", "host2", "unknown host 'host9'")]
    [InlineData("tvd:red", "host1", "mars", "unknown host 'mars'")]
    public void Unknown_names_are_denied_as_unknown_references(string label, string local, string peer, string subject)
    {
        var d = _engine.Join(label, local, peer, Met(), Now);

        Assert.False(d.Allowed);
        Assert.Equal(DecisionAction.Join, d.Action);
        Assert.Equal(DecisionRule.UnknownReference, d.Rule);
        Assert.Equal($"deny: unknown-reference: {subject}", d.ToString());
    }

    [Fact]
    public void Every_join_is_audited_allowed_or_denied_with_action_join()
    {
        _engine.Join("tvd:red", "host1", "host2", Met(), Now);
        _engine.Join("tvd:red", "host1", "host2", new FakeAttestationStatus().With("known-good", AttestationVerdict.NotMet("ref.unknown /usr/bin/evil")), Now);
        _engine.Join("tvd:red", "host1", "host2", null, Now);
        _engine.Join("tvd:green", "host1", "host2", null, Now);
        _engine.Join("tvd:red", "host1", "mars", null, Now);

        Assert.Equal(
        [
            "join allow: attestation: host host2 meets 'known-good' for TVD red (evidence valid until 2030-01-02T03:04:35Z)",
            "join deny: attestation: host host2 does not meet 'known-good' for TVD red: ref.unknown /usr/bin/evil",
            "join deny: attestation: host host2 presented no evidence; TVD red requires 'known-good'",
            "join allow: carriage: hosts host1 and host2 may both run type green of TVD green (TVD green requires no attestation)",
            "join deny: unknown-reference: unknown host 'mars'",
        ],
            _audit.Snapshot().Select(r => r.ToString()));
    }

    [Fact]
    public void The_periodic_check_decides_the_same_without_auditing()
    {
        var status = Met();

        for (var second = 0; second < 40; second++)
        {
            var at = Now.AddSeconds(second);
            var checkedJoin = _engine.DecideJoin("tvd:red", "host1", "host2", status, at);
            Assert.Equal(second < 30, checkedJoin.Allowed);
            Assert.Equal(_engine.Join("tvd:red", "host1", "host2", status, at).ToString(), checkedJoin.ToString());
        }

        Assert.Equal(40, _audit.Total); // the Join calls only
        Assert.Equal(80, status.Asked);
    }

    [Fact]
    public void A_reload_that_changes_a_requirement_is_an_ordinary_reload_and_the_next_join_reads_the_new_one()
    {
        var engine = new PolicyEngine(AttestedPolicies.Example(maxAge: 120), _audit);
        var status = Met(seconds: 100);
        Assert.True(engine.DecideJoin("tvd:red", "host1", "host2", status, Now).Allowed);
        var next = TestPolicies.NextVersion(t => t.Replace("max_age = 60 ", "max_age = 30 ", StringComparison.Ordinal)
            .Replace("attestation = \"known-good\"   #", "#", StringComparison.Ordinal));

        var outcome = engine.Reload(next, revoke: false);

        Assert.True(outcome.Committed);
        Assert.Empty(outcome.Conflicts);
        Assert.Empty(outcome.Revoked);
        var red = engine.DecideJoin("tvd:red", "host1", "host2", null, Now);
        Assert.True(red.Allowed); // red no longer requires anything
        var blue = engine.DecideJoin("tvd:blue", "host1", "host1", status, Now);
        Assert.Equal(AttestationOutcome.BeyondMaxAge, blue.AttestationOutcome); // 100 s left, and max_age is now 30 s
        Assert.Same(engine.Policy.FindAttestation("known-good"), status.LastAsked);
    }
}
