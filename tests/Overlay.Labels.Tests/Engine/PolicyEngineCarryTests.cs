using Overlay.Labels.Audit;
using Overlay.Labels.Decisions;
using Overlay.Labels.Engine;
using Overlay.Labels.Tests.Decisions;
using Overlay.Labels.Tests.Support;

namespace Overlay.Labels.Tests.Engine;

/// <summary>The engine's carry: audited when a CHILD_SA negotiation asks, unaudited when the daemon plans.</summary>
public sealed class PolicyEngineCarryTests
{
    private readonly InMemoryDecisionAudit _audit = new();
    private readonly PolicyEngine _engine;

    public PolicyEngineCarryTests() => _engine = new PolicyEngine(CarryDecisionTests.WithHost3(), _audit);

    [Theory]
    [InlineData("host1", "host2", "tvd:red", true)]
    [InlineData("host1", "host2", "tvd:blue", false)]    // the peer may not run blue
    [InlineData("host3", "host2", "tvd:red", false)]     // this host may not run red
    [InlineData("host1", "mars", "tvd:red", false)]      // an identity that is no host
    [InlineData("host1", "host2", "tvd:purple", false)]  // no TVD has this label
    public void A_label_is_allowed_iff_both_hosts_may_run_its_tvd(string local, string peer, string label, bool allowed)
    {
        Assert.Equal(allowed, _engine.Carry(label, local, peer).Allowed);
    }

    [Theory]
    [InlineData("tvd:purple", "host1", "host2", "unknown TVD label 'tvd:purple'")]
    [InlineData("red", "host1", "host2", "unknown TVD label 'red'")]
    [InlineData("tvd:red", "host9", "host2", "unknown host 'host9'")]
    [InlineData("tvd:red", "host1", "mars", "unknown host 'mars'")]
    public void Unknown_names_are_denied_as_unknown_references(string label, string local, string peer, string subject)
    {
        var d = _engine.Carry(label, local, peer);

        Assert.False(d.Allowed);
        Assert.Equal(DecisionAction.Carry, d.Action);
        Assert.Equal(DecisionRule.UnknownReference, d.Rule);
        Assert.Equal(subject, d.Subject);
        Assert.Equal($"deny: unknown-reference: {subject}", d.ToString());
    }

    [Fact]
    public void Every_carry_is_audited_allowed_or_denied()
    {
        _engine.Carry("tvd:red", "host1", "host2");
        _engine.Carry("tvd:blue", "host1", "host2");
        _engine.Carry("tvd:red", "host1", "mars");

        Assert.Equal(
        [
            "carry allow: carriage: hosts host1 and host2 may both run type red of TVD red",
            "carry deny: carriage: host host2 may not run type blue of TVD blue (host types: red, green)",
            "carry deny: unknown-reference: unknown host 'mars'",
        ],
            _audit.Snapshot().Select(r => r.ToString()));
    }

    [Fact]
    public void Planning_lists_the_carriable_tvds_in_policy_order_without_auditing()
    {
        Assert.Equal(["red", "blue", "green"], _engine.CarriableTvds("host1", "host1").Select(t => t.Name));
        Assert.Equal(["red", "green"], _engine.CarriableTvds("host1", "host2").Select(t => t.Name));
        Assert.Equal(["green"], _engine.CarriableTvds("host3", "host1").Select(t => t.Name));
        Assert.Empty(_engine.CarriableTvds("host1", "mars"));
        Assert.Empty(_engine.CarriableTvds("host9", "host1"));

        Assert.Equal(0, _audit.Total);
    }

    [Fact]
    public void A_reload_applies_to_the_next_carry()
    {
        var engine = new PolicyEngine(TestPolicies.Example());
        Assert.False(engine.Carry("tvd:blue", "host1", "host2").Allowed);
        var next = TestPolicies.NextVersion(t => t.Replace("types = [\"red\", \"green\"]", "types = [\"red\", \"green\", \"blue\"]"));

        Assert.True(engine.Reload(next, revoke: false).Committed);

        Assert.True(engine.Carry("tvd:blue", "host1", "host2").Allowed);
        Assert.Equal(["red", "blue", "green"], engine.CarriableTvds("host1", "host2").Select(t => t.Name));
    }
}
