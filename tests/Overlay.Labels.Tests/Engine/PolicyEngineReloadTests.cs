using Overlay.Labels.Audit;
using Overlay.Labels.Decisions;
using Overlay.Labels.Engine;
using Overlay.Labels.Tests.Support;

namespace Overlay.Labels.Tests.Engine;

/// <summary>Test-then-commit reloads: refused with the conflicts, or committed with exact revocations.</summary>
public sealed class PolicyEngineReloadTests
{
    private readonly InMemoryDecisionAudit _audit = new();
    private readonly PolicyEngine _engine;

    public PolicyEngineReloadTests()
    {
        _engine = new PolicyEngine(TestPolicies.Example(), _audit);
        Assert.True(_engine.Start("hertz-web", "host1").Allowed);
        Assert.True(_engine.Start("hr-db", "host1").Allowed);
        Assert.True(_engine.Attach("hr-db", "red-net").Allowed);
        Assert.True(_engine.Attach("bridge-gw", "blue-net").Allowed);
    }

    [Fact]
    public void A_compatible_new_version_is_committed_and_keeps_the_live_state()
    {
        var next = TestPolicies.NextVersion(t => t.Replace("vlan = 103", "vlan = 203"));

        var outcome = _engine.Reload(next, revoke: false);

        Assert.True(outcome.Committed, outcome.Summary);
        Assert.Empty(outcome.Conflicts);
        Assert.Equal(2, _engine.Policy.Version);
        var snap = _engine.Snapshot();
        Assert.Equal([new RunningGuest("host1", "hertz-web"), new RunningGuest("host1", "hr-db")], snap.Running);
        Assert.Equal([new Binding("hr-db", "red-net"), new Binding("bridge-gw", "blue-net")], snap.Bindings);
        Assert.Equal("policy acme-dc version 1 -> 2 committed", outcome.Summary);
    }

    [Fact]
    public void A_version_that_breaks_a_binding_is_refused_with_the_conflict_and_nothing_changes()
    {
        // bridge-gw loses blue: its live binding to blue-net would break STE.
        var next = TestPolicies.NextVersion(t => t
            .Replace("types = [\"red\", \"blue\"]\nnetworks = [\"red-net\", \"blue-net\"]", "types = [\"red\"]\nnetworks = [\"red-net\"]"));
        var before = _engine.Snapshot();

        var outcome = _engine.Reload(next, revoke: false);

        Assert.False(outcome.Committed);
        var conflict = Assert.Single(outcome.Conflicts);
        Assert.Equal("binding bridge-gw -> blue-net", conflict.Subject);
        Assert.Contains("share no type", conflict.Reason);
        Assert.Empty(outcome.Revoked);
        Assert.Equal(1, _engine.Policy.Version);
        var after = _engine.Snapshot();
        Assert.Equal(before.Running, after.Running);
        Assert.Equal(before.Bindings, after.Bindings);
    }

    [Fact]
    public void With_revoke_the_switch_happens_and_exactly_the_conflicting_binding_and_guest_go()
    {
        // avis becomes a conflict of green (hr-db is not green; hertz-web is): and hr-db is dropped.
        var next = TestPolicies.NextVersion(t => t
            .Replace("types = [\"hertz\", \"avis\"]", "types = [\"hertz\", \"avis\", \"red\"]"));

        var outcome = _engine.Reload(next, revoke: true);

        Assert.True(outcome.Committed, outcome.Summary);
        var revoked = Assert.Single(outcome.Revoked);
        Assert.Equal(RevocationKind.StopGuest, revoked.Kind);
        Assert.Equal("hr-db", revoked.Guest);
        Assert.Equal("host1", revoked.Host);
        Assert.Contains("type red of guest hr-db conflicts with type hertz of running guest hertz-web", revoked.Reason);
        Assert.Equal([new RunningGuest("host1", "hertz-web")], _engine.Snapshot().Running);
        Assert.Equal(2, _engine.Policy.Version);
    }

    [Fact]
    public void Revocation_removes_bindings_of_a_guest_that_left_the_policy()
    {
        var text = TestPolicies.ExampleText();
        var start = text.IndexOf("[[guest]]\nname = \"bridge-gw\"", StringComparison.Ordinal);
        var end = text.IndexOf("[[guest]]", start + 5, StringComparison.Ordinal);
        var next = TestPolicies.NextVersion(t => t.Remove(t.IndexOf("[[guest]]\nname = \"bridge-gw\"", StringComparison.Ordinal), end - start));

        var refused = _engine.Reload(next, revoke: false);
        var committed = _engine.Reload(next, revoke: true);

        Assert.False(refused.Committed);
        Assert.Equal("binding bridge-gw -> blue-net: guest bridge-gw is not in version 2", Assert.Single(refused.Conflicts).ToString());
        Assert.True(committed.Committed);
        Assert.Equal("unbind guest bridge-gw from blue-net: guest bridge-gw is not in version 2", Assert.Single(committed.Revoked).ToString());
        Assert.Equal([new Binding("hr-db", "red-net")], _engine.Snapshot().Bindings);
    }

    [Theory]
    [InlineData(2, null, "does not name the version it replaces")]
    [InlineData(3, 2L, "replaces version 2, but version 1 is running")]
    [InlineData(1, null, "version 1 does not supersede running version 1")]
    public void A_reload_must_name_the_running_version_and_raise_it_even_with_revoke(long version, long? replaces, string reason)
    {
        var next = TestPolicies.NextVersion(t => t, version, replaces);

        var outcome = _engine.Reload(next, revoke: true);

        Assert.False(outcome.Committed);
        Assert.Contains(outcome.Conflicts, c => c.Reason.Contains(reason));
        Assert.Equal(1, _engine.Policy.Version);
    }

    [Fact]
    public void A_reload_must_keep_the_policy_name()
    {
        var next = TestPolicies.NextVersion(t => t.Replace("name = \"acme-dc\"", "name = \"other-dc\""));

        var outcome = _engine.Reload(next, revoke: false);

        Assert.False(outcome.Committed);
        Assert.Contains(outcome.Conflicts, c => c.Subject == "policy name");
    }

    [Fact]
    public void Decisions_after_a_commit_use_the_new_policy()
    {
        // host2 may now run blue too.
        var next = TestPolicies.NextVersion(t => t.Replace("types = [\"red\", \"green\"]", "types = [\"red\", \"green\", \"blue\"]"));
        Assert.False(_engine.Start("acct-app", "host2").Allowed);

        Assert.True(_engine.Reload(next, revoke: false).Committed);

        Assert.True(_engine.Start("acct-app", "host2").Allowed);
    }

    [Fact]
    public void Every_decision_reload_and_revocation_is_audited()
    {
        var next = TestPolicies.NextVersion(t => t.Replace("types = [\"hertz\", \"avis\"]", "types = [\"hertz\", \"avis\", \"red\"]"));
        _engine.Start("avis-web", "host1");

        _engine.Reload(next, revoke: true);

        var trail = _audit.Snapshot().Select(r => r.ToString()).ToList();
        Assert.Equal(
            [
                "start allow: host-authorization and chinese-wall: host host1 may run every type of guest hertz-web (green, hertz), and no guest running there holds a type in conflict with them",
                "start allow: host-authorization and chinese-wall: host host1 may run every type of guest hr-db (red), and no guest running there holds a type in conflict with them",
                "attach allow: ste: guest hr-db and network red-net share type red",
                "attach allow: ste: guest bridge-gw and network blue-net share type blue",
                "start deny: chinese-wall: type avis of guest avis-web conflicts with type hertz of running guest hertz-web on host host1 (conflict set car-rental)",
            ],
            trail.Take(5));
        Assert.StartsWith("reload policy acme-dc version 1 -> 2 committed; revoked: stop guest hr-db on host host1", trail[5]);
        Assert.StartsWith("revoke stop guest hr-db on host host1: chinese-wall:", trail[6]);
        Assert.Equal(7, trail.Count);
    }
}
