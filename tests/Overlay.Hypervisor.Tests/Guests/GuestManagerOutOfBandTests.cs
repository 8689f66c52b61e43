using System.Security.Cryptography;
using Overlay.Hypervisor.Guests;
using Overlay.Hypervisor.Measurement;
using Overlay.Hypervisor.Tests.Support;
using Overlay.Labels.Engine;

namespace Overlay.Hypervisor.Tests.Guests;

/// <summary>Guests started or stopped behind the daemon's back, and the measured launch.</summary>
public sealed class GuestManagerOutOfBandTests : IDisposable
{
    private readonly PolicyEngine _engine = TestPolicies.ExampleEngine();
    private readonly FakeGuestBackend _backend = new();
    private readonly Sha256GuestMeasurer _measurer = new();
    private readonly List<GuestAuditEvent> _audit = [];
    private readonly string _dir = Directory.CreateTempSubdirectory("thv-measure-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private GuestManager Manager(KnownGoodImages? knownGood = null, bool destroyForeign = false)
    {
        var manager = new GuestManager(_engine, "host1", _backend, _measurer, knownGood, destroyForeignGuests: destroyForeign);
        manager.Audited += _audit.Add;
        return manager;
    }

    private IEnumerable<string> Running => _engine.Snapshot().Running.Select(r => r.Guest);

    private string Image(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public void A_guest_started_outside_against_the_chinese_wall_is_destroyed_and_audited()
    {
        using var m = Manager();
        m.Define(GuestSpec.Create("hertz-web", ["green-net"]));
        m.Define(GuestSpec.Create("avis-web", ["green-net"]));
        m.Start("hertz-web");

        _backend.StartOutside("avis-web"); // virsh start avis-web

        Assert.DoesNotContain("avis-web", _backend.Running);
        Assert.Equal(["hertz-web"], Running);
        var audit = Assert.Single(_audit, a => a.Kind == GuestAuditKind.OutOfBandDestroyed);
        Assert.Equal("avis-web", audit.Guest);
        Assert.Contains("chinese-wall", audit.Detail);
        Assert.Contains("hertz-web", audit.Detail);
    }

    [Fact]
    public void A_guest_started_outside_within_policy_is_measured_and_adopted()
    {
        using var m = Manager();
        m.Define(GuestSpec.Create("hr-db", ["red-net"]));

        _backend.StartOutside("hr-db");

        Assert.Equal(["hr-db"], Running);
        Assert.Equal(GuestState.Running, Assert.Single(m.List()).State);
        Assert.Contains(_audit, a => a.Kind == GuestAuditKind.OutOfBandAdopted && a.Guest == "hr-db");
        Assert.Contains(_measurer.Entries, e => e.Name == "tvd:red/hr-db/definition");
    }

    [Fact]
    public void A_policy_guest_never_defined_through_the_daemon_is_destroyed()
    {
        using var m = Manager();

        _backend.StartOutside("dev-ci");

        Assert.Empty(_backend.Running);
        Assert.Contains("never checked", Assert.Single(_audit).Detail);
    }

    [Fact]
    public void A_domain_unknown_to_the_policy_is_left_alone_unless_configured()
    {
        using (var m = Manager())
        {
            _backend.StartOutside("someone-elses-vm");
            Assert.Contains("someone-elses-vm", _backend.Running);
            Assert.Equal(GuestAuditKind.ForeignIgnored, Assert.Single(_audit).Kind);
            Assert.Equal(0, m.Reconcile());

            // Found by a reconcile (its event lost): left alone, audited once, and no difference handled.
            _backend.StartOutside("another-tenants-vm", raiseEvent: false);
            Assert.Equal(0, m.Reconcile());
            Assert.Equal(0, m.Reconcile());
            Assert.Equal(GuestAuditKind.ForeignIgnored, Assert.Single(_audit, a => a.Guest == "another-tenants-vm").Kind);
            Assert.Contains("another-tenants-vm", _backend.Running);
        }

        using var strict = Manager(destroyForeign: true);
        _backend.StartOutside("someone-elses-vm");
        Assert.DoesNotContain("someone-elses-vm", _backend.Running);
    }

    [Fact]
    public void A_guest_stopped_outside_is_released_so_its_competitor_may_start()
    {
        using var m = Manager();
        m.Define(GuestSpec.Create("hertz-web", ["green-net"]));
        m.Define(GuestSpec.Create("avis-web", ["green-net"]));
        m.Start("hertz-web");

        _backend.StopOutside("hertz-web"); // the guest powered off

        Assert.Empty(Running);
        Assert.Contains(_audit, a => a.Kind == GuestAuditKind.StoppedOutsideDaemon);
        Assert.True(m.Start("avis-web").Succeeded);
    }

    [Fact]
    public void Reconcile_catches_a_start_whose_event_was_lost()
    {
        using var m = Manager();
        m.Define(GuestSpec.Create("hertz-web", ["green-net"]));
        m.Define(GuestSpec.Create("avis-web", ["green-net"]));
        m.Start("hertz-web");
        _backend.StartOutside("avis-web", raiseEvent: false); // e.g. while the libvirt connection was down

        Assert.Equal(1, m.Reconcile());

        Assert.DoesNotContain("avis-web", _backend.Running);
        Assert.Equal(0, m.Reconcile());
    }

    [Fact]
    public void An_image_that_is_not_known_good_for_its_tvd_is_refused()
    {
        var good = Image("good.img", "the approved image");
        var tampered = Image("tampered.img", "the approved image, modified");
        var knownGood = new KnownGoodImages(new Dictionary<string, IReadOnlyList<string>>
        {
            ["red"] = [Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(good)))],
        });
        using var m = Manager(knownGood);
        m.Define(GuestSpec.Create("hr-db", ["red-net"], image: tampered));

        var result = m.Start("hr-db");

        Assert.Equal(GuestOutcome.Refused, result.Outcome);
        var digest = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(tampered)));
        Assert.Equal($"deny: measured launch: image of guest hr-db (sha256:{digest}) is not known-good for TVD red", result.Message);
        Assert.Empty(Running);
        Assert.Empty(_backend.Running);
    }

    [Fact]
    public void A_known_good_image_starts_and_every_part_is_measured_under_its_tvd()
    {
        var image = Image("good.img", "the approved image");
        var kernel = Image("vmlinuz", "kernel bytes");
        var digest = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(image)));
        var knownGood = new KnownGoodImages(new Dictionary<string, IReadOnlyList<string>> { ["red"] = ["sha256:" + digest] });
        using var m = Manager(knownGood);
        m.Define(GuestSpec.Create("hr-db", ["red-net"], image: image, kernel: kernel));

        var result = m.Start("hr-db");

        Assert.True(result.Succeeded, result.ToString());
        Assert.Equal(
            ["tvd:red/hr-db/image", "tvd:red/hr-db/kernel", "tvd:red/hr-db/definition"],
            _measurer.Entries.Select(e => e.Name));
        Assert.Equal(digest, _measurer.Entries[0].DigestHex);
    }

    [Fact]
    public void A_tvd_without_a_list_is_measured_but_not_enforced()
    {
        var knownGood = new KnownGoodImages(new Dictionary<string, IReadOnlyList<string>> { ["blue"] = [] });
        using var m = Manager(knownGood);
        m.Define(GuestSpec.Create("hr-db", ["red-net"], image: Image("any.img", "x")));
        m.Define(GuestSpec.Create("acct-app", ["blue-net"]));

        Assert.True(m.Start("hr-db").Succeeded);
        var blue = m.Start("acct-app");
        Assert.Equal("deny: measured launch: TVD blue requires a known-good image and guest acct-app has none", blue.Message);
    }

    [Fact]
    public void A_missing_image_fails_the_start_and_leaves_nothing_running()
    {
        using var m = Manager();
        m.Define(GuestSpec.Create("hr-db", ["red-net"], image: Path.Combine(_dir, "missing.img")));

        var result = m.Start("hr-db");

        Assert.Equal(GuestOutcome.Failed, result.Outcome);
        Assert.Contains("missing.img", result.Message);
        Assert.Empty(Running);
    }

    [Fact]
    public void A_two_colored_guest_is_measured_under_both_tvds()
    {
        using var m = Manager();
        m.Define(GuestSpec.Create("bridge-gw", ["red-net", "blue-net"]));

        m.Start("bridge-gw");

        Assert.Equal(["tvd:red/bridge-gw/definition", "tvd:blue/bridge-gw/definition"], _measurer.Entries.Select(e => e.Name));
    }
}
