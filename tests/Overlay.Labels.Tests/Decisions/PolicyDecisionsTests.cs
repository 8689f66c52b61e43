using Overlay.Labels.Compiled;
using Overlay.Labels.Decisions;
using Overlay.Labels.Engine;
using Overlay.Labels.Tests.Support;

namespace Overlay.Labels.Tests.Decisions;

public sealed class PolicyDecisionsTests
{
    // Two customers of one conflict set, a third type outside it, and a guest that is both green
    // (STE) and hertz (CW): enough to pin the running-types semantics down.
    private const string Policy = """
        [policy]
        name = "cw"
        version = 1

        [[tvd]]
        name = "green"
        vlan = 10

        [[tvd]]
        name = "red"
        vlan = 11

        [[conflict_set]]
        name = "rental"
        types = ["hertz", "avis", "sixt"]

        [[conflict_set]]
        name = "colors"
        types = ["red", "sixt"]

        [[guest]]
        name = "hertz-1"
        types = ["green"]
        cw_types = ["hertz"]

        [[guest]]
        name = "hertz-2"
        types = ["green"]
        cw_types = ["hertz"]

        [[guest]]
        name = "avis-1"
        types = ["green"]
        cw_types = ["avis"]

        [[guest]]
        name = "sixt-1"
        types = ["green"]
        cw_types = ["sixt"]

        [[guest]]
        name = "red-1"
        types = ["red"]

        [[guest]]
        name = "plain"
        types = ["green"]

        [[host]]
        name = "h"
        types = ["*"]
        """;

    private readonly CompiledPolicy _policy = TestPolicies.FromText(Policy);

    [Fact]
    public void Types_not_names_are_counted_a_second_guest_of_a_running_type_may_start()
    {
        var engine = new PolicyEngine(_policy);
        Assert.True(engine.Start("hertz-1", "h").Allowed);

        Assert.True(engine.Start("hertz-2", "h").Allowed);
    }

    [Fact]
    public void A_conflicting_type_stays_blocked_until_every_guest_holding_the_running_type_stopped()
    {
        var engine = new PolicyEngine(_policy);
        engine.Start("hertz-1", "h");
        engine.Start("hertz-2", "h");

        engine.Stop("hertz-1", "h");
        var whileOneRuns = engine.Start("avis-1", "h");
        engine.Stop("hertz-2", "h");
        var afterBothStopped = engine.Start("avis-1", "h");

        Assert.False(whileOneRuns.Allowed);
        Assert.Contains("running guest hertz-2", whileOneRuns.ToString());
        Assert.True(afterBothStopped.Allowed, afterBothStopped.ToString());
    }

    [Fact]
    public void Ste_types_take_part_in_the_chinese_wall_too()
    {
        var engine = new PolicyEngine(_policy);
        Assert.True(engine.Start("red-1", "h").Allowed);

        var d = engine.Start("sixt-1", "h");

        Assert.False(d.Allowed);
        Assert.Equal("deny: chinese-wall: type sixt of guest sixt-1 conflicts with type red of running guest red-1 on host h (conflict set colors)", d.ToString());
    }

    [Fact]
    public void A_guest_outside_every_conflict_set_is_never_walled()
    {
        var engine = new PolicyEngine(_policy);
        foreach (var g in new[] { "hertz-1", "red-1" })
        {
            Assert.True(engine.Start(g, "h").Allowed);
        }

        Assert.True(engine.Start("plain", "h").Allowed);
    }

    [Fact]
    public void A_guest_runs_on_one_host_at_a_time()
    {
        var engine = new PolicyEngine(TestPolicies.Example());
        Assert.True(engine.Start("hr-db", "host1").Allowed);

        var d = engine.Start("hr-db", "host2");

        Assert.False(d.Allowed);
        Assert.Equal(DecisionRule.Lifecycle, d.Rule);
        Assert.Equal("deny: lifecycle: guest hr-db already runs on host host1", d.ToString());
    }

    [Theory]
    [InlineData("nobody", "host1", "unknown guest 'nobody'")]
    [InlineData("hr-db", "host9", "unknown host 'host9'")]
    public void Unknown_names_are_denied_as_unknown_references(string guest, string host, string subject)
    {
        var d = new PolicyEngine(TestPolicies.Example()).Start(guest, host);

        Assert.False(d.Allowed);
        Assert.Equal(DecisionRule.UnknownReference, d.Rule);
        Assert.Equal(subject, d.Subject);
    }

    [Fact]
    public void Host_authorization_looks_at_chinese_wall_types_as_well()
    {
        // host2 may run red and green; hertz-web is green but also holds CW type hertz.
        var d = new PolicyEngine(TestPolicies.Example()).Start("hertz-web", "host2");

        Assert.False(d.Allowed);
        Assert.Equal("deny: host-authorization: host host2 may not run type hertz of guest hertz-web (host types: red, green)", d.ToString());
    }

    [Fact]
    public void A_denied_start_leaves_the_running_set_unchanged()
    {
        var engine = new PolicyEngine(TestPolicies.Example());
        engine.Start("hertz-web", "host1");
        engine.Start("avis-web", "host1");

        var running = engine.Snapshot().Running;

        Assert.Equal([new RunningGuest("host1", "hertz-web")], running);
    }

    [Fact]
    public void Decisions_allocate_nothing()
    {
        var policy = CompiledPolicy.Compile(TestPolicies.Synthetic(tvds: 100, guests: 1000, conflictSets: 20));
        var guest = policy.FindGuest("g10")!;
        var resource = policy.FindResource("net10")!;
        var other = policy.FindResource("net11")!;
        var host = policy.FindHost("h0")!;
        var running = new RunningTypes(policy.TypeCount);
        running.Add(policy.FindGuest("g210")!); // cw1b: conflicts with g10's cw1a
        PolicyDecisions.Attach(policy, guest, resource);
        PolicyDecisions.Start(policy, guest, host, running);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var allowed = PolicyDecisions.Attach(policy, guest, resource);
        var denied = PolicyDecisions.Attach(policy, guest, other);
        var cw = PolicyDecisions.Start(policy, guest, host, running);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allowed.Allowed);
        Assert.False(denied.Allowed);
        Assert.False(cw.Allowed, cw.ToString());
        Assert.Equal(0, allocated);
    }
}
