using Overlay.Labels.Compiled;
using Overlay.Labels.Decisions;
using Overlay.Labels.Tests.Support;

namespace Overlay.Labels.Tests.Decisions;

/// <summary><see cref="PolicyDecisions.Carry"/>: a TVD travels between two hosts iff both may run its STE type.</summary>
public sealed class CarryDecisionTests
{
    private readonly CompiledPolicy _policy = WithHost3();

    /// <summary>examples/policy.toml (host1 runs every type, host2 red and green) and a host3 that runs green only.</summary>
    internal static CompiledPolicy WithHost3() =>
        TestPolicies.FromText(TestPolicies.ExampleText() + "\n[[host]]\nname = \"host3\"\ntypes = [\"green\"]\n");

    [Theory]
    [InlineData("red", "host1", "host2", CarrySide.None, "allow: carriage: hosts host1 and host2 may both run type red of TVD red")]
    [InlineData("red", "host1", "host1", CarrySide.None, "allow: carriage: hosts host1 and host1 may both run type red of TVD red")]
    [InlineData("blue", "host1", "host2", CarrySide.Peer, "deny: carriage: host host2 may not run type blue of TVD blue (host types: red, green)")]
    [InlineData("red", "host3", "host1", CarrySide.Local, "deny: carriage: host host3 may not run type red of TVD red (host types: green)")]
    [InlineData("blue", "host2", "host3", CarrySide.Both,
        "deny: carriage: neither host host2 (host types: red, green) nor host host3 (host types: green) may run type blue of TVD blue")]
    [InlineData("blue", "host3", "host3", CarrySide.Both, "deny: carriage: host host3 may not run type blue of TVD blue (host types: green)")]
    public void Both_hosts_must_run_the_tvds_type_and_the_witness_names_the_end_that_does_not(
        string tvd, string local, string peer, CarrySide lacking, string expected)
    {
        var d = PolicyDecisions.Carry(_policy, _policy.FindTvd(tvd)!, _policy.FindHost(local)!, _policy.FindHost(peer)!);

        Assert.Equal(lacking == CarrySide.None, d.Allowed);
        Assert.Equal(DecisionAction.Carry, d.Action);
        Assert.Equal(DecisionRule.Carriage, d.Rule);
        Assert.Equal(lacking, d.Lacking);
        Assert.Equal(tvd, d.Tvd!.Name);
        Assert.Equal(d.Tvd.TypeId, d.TypeId);
        Assert.Equal(local, d.Host!.Name);
        Assert.Equal(peer, d.PeerHost!.Name);
        Assert.Null(d.Guest);
        Assert.Equal(expected, d.ToString());
    }

    [Fact]
    public void Carry_allocates_nothing()
    {
        var (red, blue) = (_policy.FindTvd("red")!, _policy.FindTvd("blue")!);
        var (host1, host2, host3) = (_policy.FindHost("host1")!, _policy.FindHost("host2")!, _policy.FindHost("host3")!);
        PolicyDecisions.Carry(_policy, red, host1, host2);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var allowed = PolicyDecisions.Carry(_policy, red, host1, host2);
        var denied = PolicyDecisions.Carry(_policy, blue, host2, host3);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allowed.Allowed);
        Assert.False(denied.Allowed);
        Assert.Equal(0, allocated);
    }

    [Theory]
    [InlineData("tvd:blue", "blue")]
    [InlineData("blue", null)]        // a name is no label
    [InlineData("tvd:purple", null)]
    public void A_tvd_is_found_by_its_wire_label(string label, string? tvd)
    {
        Assert.Equal(tvd, _policy.FindTvdByLabel(label)?.Name);
    }
}
