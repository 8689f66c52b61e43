using Overlay.Daemon.IkeHost;
using Overlay.Labels.Compiled;
using Overlay.Labels.Loading;

namespace Overlay.Daemon.Tests.IkeHost;

/// <summary>Which labels a peer may have CHILD_SAs for: both host entries must allow the TVD's STE type.</summary>
public sealed class TvdCarriageTests
{
    private static readonly CompiledPolicy Policy = CompiledPolicy.Compile(PolicyLoader.Load("""
        [policy]
        name = "t"
        version = 1

        [[tvd]]
        name = "red"
        vlan = 101
        label = "tvd:red"

        [[tvd]]
        name = "blue"
        vlan = 102
        label = "tvd:blue"

        [[host]]
        name = "h1"
        types = ["*"]

        [[host]]
        name = "moon"
        types = ["red"]

        [[host]]
        name = "h2"
        types = ["blue"]
        """, "/t/policy.toml").Policy!);

    [Theory]
    [InlineData("h1", "moon", "tvd:red", true)]
    [InlineData("h1", "moon", "tvd:blue", false)]   // moon may not run blue
    [InlineData("h2", "moon", "tvd:red", false)]    // this host may not run red
    [InlineData("h1", "mars", "tvd:red", false)]    // an identity that is no host
    [InlineData("h1", "moon", "tvd:green", false)]  // no TVD has this label
    public void A_label_is_allowed_iff_both_hosts_may_run_its_tvd(string self, string peer, string label, bool allowed)
    {
        bool result = TvdCarriage.ByLabel(Policy, label) is { } tvd && TvdCarriage.MayCarry(Policy, self, peer, tvd);
        Assert.Equal(allowed, result);
    }

    [Fact]
    public void Shared_lists_the_tvds_in_policy_order()
    {
        Assert.Equal(["red", "blue"], TvdCarriage.Shared(Policy, "h1", "h1").Select(t => t.Name));
        Assert.Equal(["red"], TvdCarriage.Shared(Policy, "h1", "moon").Select(t => t.Name));
        Assert.Empty(TvdCarriage.Shared(Policy, "h2", "moon"));
    }
}
