using Overlay.Labels.Decisions;
using Overlay.Labels.Engine;
using Overlay.Labels.Tests.Support;

namespace Overlay.Labels.Tests.Decisions;

/// <summary>The "done when" list, on examples/policy.toml through loader, compiler and engine.</summary>
public sealed class ExamplePolicyDecisionTests
{
    private readonly PolicyEngine _engine = new(TestPolicies.Example());

    [Theory]
    [InlineData("hr-db", "red-net", true, "share type red")]
    [InlineData("hr-db", "blue-net", false, "share no type")]
    [InlineData("bridge-gw", "red-net", true, "share type red")]
    [InlineData("bridge-gw", "blue-net", true, "share type blue")]
    [InlineData("acct-app", "red-net", false, "share no type")]
    [InlineData("hertz-web", "green-net", true, "share type green")]
    [InlineData("hr-db", "hr-records", true, "volume hr-records share type red")]
    [InlineData("dev-ci", "hr-records", false, "volume hr-records (types red) share no type")]
    public void Attach_follows_simple_type_enforcement(string guest, string resource, bool allowed, string reason)
    {
        var d = _engine.Attach(guest, resource);

        Assert.Equal(allowed, d.Allowed);
        Assert.Equal(DecisionRule.SimpleTypeEnforcement, d.Rule);
        Assert.StartsWith(allowed ? "allow: ste: " : "deny: ste: ", d.ToString());
        Assert.Contains(reason, d.ToString());
    }

    [Fact]
    public void Starting_avis_web_next_to_running_hertz_web_is_denied_by_the_chinese_wall()
    {
        Assert.True(_engine.Start("hertz-web", "host1").Allowed);

        var d = _engine.Start("avis-web", "host1");

        Assert.False(d.Allowed);
        Assert.Equal(DecisionRule.ChineseWall, d.Rule);
        Assert.Equal(
            "deny: chinese-wall: type avis of guest avis-web conflicts with type hertz of running guest hertz-web on host host1 (conflict set car-rental)",
            d.ToString());
    }

    [Fact]
    public void Starting_avis_web_next_to_running_hr_db_is_allowed()
    {
        Assert.True(_engine.Start("hr-db", "host1").Allowed);

        var d = _engine.Start("avis-web", "host1");

        Assert.True(d.Allowed, d.ToString());
        Assert.StartsWith("allow: ", d.ToString());
    }

    [Fact]
    public void Starting_acct_app_on_host2_is_denied_by_host_authorization()
    {
        var d = _engine.Start("acct-app", "host2");

        Assert.False(d.Allowed);
        Assert.Equal(DecisionRule.HostAuthorization, d.Rule);
        Assert.Equal("deny: host-authorization: host host2 may not run type blue of guest acct-app (host types: red, green)", d.ToString());
    }

    [Fact]
    public void The_chinese_wall_is_per_host()
    {
        var engine = new PolicyEngine(TestPolicies.FromText(TestPolicies.ExampleText() + "\n[[host]]\nname = \"host3\"\ntypes = [\"*\"]\n"));
        Assert.True(engine.Start("hertz-web", "host1").Allowed);

        var d = engine.Start("avis-web", "host3");

        Assert.True(d.Allowed, d.ToString());
    }

    [Fact]
    public void A_stopped_guest_no_longer_holds_its_types()
    {
        Assert.True(_engine.Start("hertz-web", "host1").Allowed);
        Assert.False(_engine.Start("avis-web", "host1").Allowed);

        Assert.True(_engine.Stop("hertz-web", "host1"));

        Assert.True(_engine.Start("avis-web", "host1").Allowed);
    }
}
