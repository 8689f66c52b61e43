using Overlay.Hypervisor.Guests;
using Overlay.Hypervisor.Measurement;
using Overlay.Hypervisor.Tests.Support;
using Overlay.Labels.Engine;

namespace Overlay.Hypervisor.Tests.Guests;

public sealed class GuestManagerTests
{
    private readonly PolicyEngine _engine = TestPolicies.ExampleEngine();
    private readonly FakeGuestBackend _backend = new();
    private readonly Sha256GuestMeasurer _measurer = new();
    private readonly List<GuestAuditEvent> _audit = [];

    private GuestManager Manager(string host = "host1", KnownGoodImages? knownGood = null, bool destroyForeign = false)
    {
        var manager = new GuestManager(_engine, host, _backend, _measurer, knownGood, destroyForeignGuests: destroyForeign);
        manager.Audited += _audit.Add;
        return manager;
    }

    private static GuestSpec Guest(string name, params string[] networks) => GuestSpec.Create(name, networks);

    private IEnumerable<string> Running => _engine.Snapshot().Running.Select(r => r.Guest);

    private IEnumerable<string> Bindings => _engine.Snapshot().Bindings.Select(b => $"{b.Guest}->{b.Resource}");

    [Fact]
    public void Define_binds_every_network_of_a_multi_colored_guest()
    {
        using var m = Manager();

        var result = m.Define(Guest("bridge-gw", "red-net", "blue-net"));

        Assert.Equal(GuestOutcome.Done, result.Outcome);
        Assert.Equal(["bridge-gw->red-net", "bridge-gw->blue-net"], Bindings);
        Assert.Contains("define bridge-gw", _backend.Calls);
    }

    [Fact]
    public void Define_refuses_a_vnic_on_another_tvds_network_and_leaves_no_binding()
    {
        using var m = Manager();

        var result = m.Define(Guest("hr-db", "red-net", "blue-net"));

        Assert.Equal(GuestOutcome.Refused, result.Outcome);
        Assert.StartsWith("deny: ste: guest hr-db", result.Message);
        Assert.Contains("network blue-net", result.Message);
        Assert.Empty(Bindings);
        Assert.Empty(_backend.Calls);
        Assert.Equal(GuestAuditKind.DefineRefused, Assert.Single(_audit).Kind);
    }

    [Fact]
    public void Define_refuses_a_volume_of_another_type()
    {
        using var m = Manager();

        var result = m.Define(GuestSpec.Create("acct-app", ["blue-net"], [new GuestVolume("hr-records", "/var/lib/tvd/hr.img")]));

        Assert.Equal(GuestOutcome.Refused, result.Outcome);
        Assert.Contains("volume hr-records", result.Message);
        Assert.Empty(Bindings);
    }

    [Fact]
    public void Define_rejects_an_unsafe_name_before_asking_the_policy()
    {
        using var m = Manager();

        var result = m.Define(Guest("../etc", "red-net"));

        Assert.Equal(GuestOutcome.Failed, result.Outcome);
        Assert.Contains("guest name '../etc'", result.Message);
        Assert.Empty(_backend.Calls);
    }

    [Fact]
    public void Start_runs_an_allowed_guest_and_records_it_in_the_engine()
    {
        using var m = Manager();
        m.Define(Guest("hr-db", "red-net"));

        var result = m.Start("hr-db");

        Assert.Equal(GuestOutcome.Done, result.Outcome);
        Assert.StartsWith("allow:", result.Message);
        Assert.Equal(["hr-db"], Running);
        Assert.Contains("hr-db", _backend.Running);
        Assert.Equal(GuestState.Running, Assert.Single(m.List()).State);
    }

    [Fact]
    public void Start_is_refused_by_the_chinese_wall_naming_the_running_competitor()
    {
        using var m = Manager();
        m.Define(Guest("hertz-web", "green-net"));
        m.Define(Guest("avis-web", "green-net"));
        Assert.True(m.Start("hertz-web").Succeeded);

        var result = m.Start("avis-web");

        Assert.Equal(GuestOutcome.Refused, result.Outcome);
        Assert.Equal(
            "deny: chinese-wall: type avis of guest avis-web conflicts with type hertz of running guest hertz-web on host host1 (conflict set car-rental)",
            result.Message);
        Assert.DoesNotContain("start avis-web", _backend.Calls);
        Assert.Equal(["hertz-web"], Running);
    }

    [Fact]
    public void Start_is_refused_on_a_host_not_authorised_for_the_guests_type()
    {
        using var m = Manager(host: "host2");
        m.Define(Guest("acct-app", "blue-net"));

        var result = m.Start("acct-app");

        Assert.Equal(GuestOutcome.Refused, result.Outcome);
        Assert.Contains("host-authorization: host host2 may not run type blue", result.Message);
        Assert.Empty(_backend.Running);
    }

    [Fact]
    public void Stop_frees_the_chinese_wall_for_the_competitor()
    {
        using var m = Manager();
        m.Define(Guest("hertz-web", "green-net"));
        m.Define(Guest("avis-web", "green-net"));
        m.Start("hertz-web");

        Assert.True(m.Stop("hertz-web").Succeeded);
        var result = m.Start("avis-web");

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal(["avis-web"], Running);
    }

    [Fact]
    public void A_backend_failure_at_start_takes_the_engines_record_back()
    {
        using var m = Manager();
        m.Define(Guest("hr-db", "red-net"));
        _backend.FailStartWith = new GuestBackendException("qemu: could not open tvd0");

        var result = m.Start("hr-db");

        Assert.Equal(GuestOutcome.Failed, result.Outcome);
        Assert.Contains("qemu: could not open tvd0", result.Message);
        Assert.Empty(Running);
    }

    [Fact]
    public void Hot_plug_of_a_nic_on_another_tvd_is_refused_and_never_reaches_the_guest()
    {
        using var m = Manager();
        m.Define(Guest("hr-db", "red-net"));
        m.Start("hr-db");

        var result = m.AttachNic("hr-db", "green-net");

        Assert.Equal(GuestOutcome.Refused, result.Outcome);
        Assert.Contains("network green-net", result.Message);
        Assert.DoesNotContain(_backend.Calls, c => c.StartsWith("hotplug", StringComparison.Ordinal));
        Assert.Single(Assert.Single(m.List()).Nics);
    }

    [Fact]
    public void Hot_plug_of_an_allowed_nic_reaches_the_running_guest()
    {
        using var m = Manager();
        m.Define(Guest("bridge-gw", "red-net"));
        m.Start("bridge-gw");

        var result = m.AttachNic("bridge-gw", "blue-net");

        Assert.True(result.Succeeded, result.ToString());
        Assert.Contains($"hotplug-nic bridge-gw blue-net {PortNames.For("bridge-gw", 1)}", _backend.Calls);
        Assert.Equal(["red-net", "blue-net"], Assert.Single(m.List()).Nics.Select(n => n.Network));
        Assert.Contains("bridge-gw->blue-net", Bindings);
    }

    [Fact]
    public void Attaching_to_a_stopped_guest_redefines_it()
    {
        using var m = Manager();
        m.Define(Guest("hr-db", "red-net"));

        var result = m.AttachVolume("hr-db", new GuestVolume("hr-records", "/var/lib/tvd/hr.img"));

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal(2, _backend.Calls.Count(c => c == "define hr-db"));
        Assert.Single(_backend.Defined["hr-db"].Volumes);
    }

    [Fact]
    public void Volume_hot_plug_of_another_type_is_refused()
    {
        using var m = Manager();
        m.Define(Guest("dev-ci", "green-net"));
        m.Start("dev-ci");

        var result = m.AttachVolume("dev-ci", new GuestVolume("hr-records", "/var/lib/tvd/hr.img"));

        Assert.Equal(GuestOutcome.Refused, result.Outcome);
        Assert.DoesNotContain(_backend.Calls, c => c.StartsWith("hotplug", StringComparison.Ordinal));
    }

    [Fact]
    public void Undefine_releases_the_bindings()
    {
        using var m = Manager();
        m.Define(Guest("hr-db", "red-net"));

        Assert.True(m.Undefine("hr-db").Succeeded);

        Assert.Empty(Bindings);
        Assert.Empty(m.List());
        Assert.Empty(_backend.Defined);
    }
}
