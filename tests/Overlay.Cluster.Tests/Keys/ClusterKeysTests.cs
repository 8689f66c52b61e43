using Overlay.Cluster.Keys;

namespace Overlay.Cluster.Tests.Keys;

public class ClusterKeysTests
{
    [Fact]
    public void The_default_layout_matches_the_documented_table()
    {
        var k = ClusterKeys.Default;
        Assert.Equal("/tvd-overlay/policy/current", k.PolicyCurrent);
        Assert.Equal("/tvd-overlay/policy/history/00000000000000000042", k.PolicyHistory(42));
        Assert.Equal("/tvd-overlay/hosts/h1", k.Host("h1"));
        Assert.Equal("/tvd-overlay/results/h1", k.Result("h1"));
        Assert.Equal("/tvd-overlay/enroll/h1", k.Enroll("h1"));
        Assert.Equal("/tvd-overlay/epoch/leader", k.EpochLeader);
        Assert.Equal("/tvd-overlay/epoch/current", k.EpochCurrent);
        Assert.True(k.TryHistoryVersion(k.PolicyHistory(42), out long v));
        Assert.Equal(42, v);
    }

    [Theory]
    [InlineData("tvd/")]
    [InlineData("/tvd")]
    [InlineData("/a//b/")]
    [InlineData("/a b/")]
    [InlineData("")]
    public void Bad_prefixes_are_refused(string prefix)
    {
        Assert.False(ClusterKeys.TryCreate(prefix, out _, out string error));
        Assert.NotEmpty(error);
    }

    [Fact]
    public void A_prefix_changes_every_key_and_host_names_cannot_escape_it()
    {
        Assert.True(ClusterKeys.TryCreate("/lab/x/", out var k, out _));
        Assert.Equal("/lab/x/hosts/h-2", k.Host("h-2"));
        Assert.Throws<ArgumentException>(() => k.Host("../policy/current"));
        Assert.Throws<ArgumentException>(() => k.Enroll(""));
        Assert.True(ClusterKeys.TryHostFromKey(k.HostsPrefix, "/lab/x/hosts/h-2", out string host));
        Assert.Equal("h-2", host);
        Assert.False(ClusterKeys.TryHostFromKey(k.HostsPrefix, "/lab/x/hosts/a/b", out _));
        Assert.False(ClusterKeys.TryHostFromKey(k.HostsPrefix, "/lab/y/hosts/a", out _));
    }
}
