using System.Collections.Concurrent;
using Overlay.Hypervisor.Backends;
using Overlay.Hypervisor.Domain;
using Overlay.Hypervisor.Guests;
using Overlay.Hypervisor.Libvirt;
using Overlay.Hypervisor.Measurement;
using Overlay.Hypervisor.Tap;
using Overlay.Hypervisor.Tests.Support;
using Overlay.Labels.Engine;

namespace Overlay.Hypervisor.Tests.Backends;

/// <summary>
/// GuestManager over the libvirt backend over libvirt's test driver: real libvirt.so.0, real lifecycle events,
/// real TAPs when root (the test driver never opens them, so they are only made and removed).
/// </summary>
[Collection(LibvirtCollection.Name)]
public sealed class LibvirtGuestBackendTests : IDisposable
{
    private readonly LibvirtSession _session = new(LibvirtConnection.TestUri);
    private readonly LibvirtGuestBackend _backend;
    private readonly PolicyEngine _engine = TestPolicies.ExampleEngine();
    private readonly GuestManager _manager;
    private readonly BlockingCollection<GuestAuditEvent> _audit = [];

    public LibvirtGuestBackendTests()
    {
        _session.Open();
        _backend = new LibvirtGuestBackend(_session, new DomainXmlBuilder(DomainVirtType.Qemu), manageTaps: Environment.IsPrivilegedProcess);
        _manager = new GuestManager(_engine, "host1", _backend, new Sha256GuestMeasurer());
        _manager.Audited += _audit.Add;
    }

    public void Dispose()
    {
        foreach (var guest in new[] { "hertz-web", "avis-web", "bridge-gw" })
        {
            using var conn = LibvirtConnection.Open(LibvirtConnection.TestUri);
            using var domain = conn.Find(guest);
            if (domain is not null)
            {
                if (domain.IsActive)
                {
                    domain.Destroy();
                }

                domain.Undefine();
            }

            foreach (var i in new[] { 0, 1 })
            {
                if (Environment.IsPrivilegedProcess)
                {
                    TapDevice.Delete(PortNames.For(guest, i));
                }
            }
        }

        _manager.Dispose();
        _backend.Dispose();
        _session.Dispose();
    }

    [Fact]
    public void Start_defines_the_domain_with_its_taps_and_stop_removes_them()
    {
        Assert.True(_manager.Define(GuestSpec.Create("bridge-gw", ["red-net", "blue-net"])).Succeeded);
        var ports = _manager.List()[0].Nics.Select(n => n.PortName).ToList();

        var result = _manager.Start("bridge-gw");

        Assert.True(result.Succeeded, result.ToString());
        Assert.True(_backend.IsRunning("bridge-gw"));
        using (var domain = _session.Connection.Find("bridge-gw"))
        {
            Assert.Equal(ports, LibvirtGuestBackend.ManagedTaps(domain!.GetXml()));
        }

        if (Environment.IsPrivilegedProcess)
        {
            Assert.All(ports, p => Assert.True(TapDevice.IsUp(p), p));
        }

        Assert.True(_manager.Stop("bridge-gw").Succeeded);
        Assert.False(_backend.IsRunning("bridge-gw"));
        Assert.All(ports, p => Assert.False(TapDevice.Exists(p), p));
    }

    [Fact]
    public void Virsh_start_against_the_chinese_wall_is_destroyed_from_the_lifecycle_event()
    {
        Assert.True(_manager.Define(GuestSpec.Create("hertz-web", ["green-net"])).Succeeded);
        Assert.True(_manager.Define(GuestSpec.Create("avis-web", ["green-net"])).Succeeded);
        Assert.True(_manager.Start("hertz-web").Succeeded);

        // An operator's `virsh start avis-web`, on a connection of its own.
        using (var operatorConn = LibvirtConnection.Open(LibvirtConnection.TestUri))
        using (var domain = operatorConn.Find("avis-web"))
        {
            domain!.Start();
        }

        var destroyed = WaitForAudit(GuestAuditKind.OutOfBandDestroyed, TimeSpan.FromSeconds(10));
        Assert.Equal("avis-web", destroyed.Guest);
        Assert.Contains("chinese-wall", destroyed.Detail);
        Assert.False(_backend.IsRunning("avis-web"));
        Assert.Equal(["hertz-web"], _engine.Snapshot().Running.Select(r => r.Guest));
    }

    [Fact]
    public void Virsh_destroy_of_a_running_guest_is_noticed_and_released()
    {
        Assert.True(_manager.Define(GuestSpec.Create("hertz-web", ["green-net"])).Succeeded);
        Assert.True(_manager.Start("hertz-web").Succeeded);

        using (var operatorConn = LibvirtConnection.Open(LibvirtConnection.TestUri))
        using (var domain = operatorConn.Find("hertz-web"))
        {
            domain!.Destroy();
        }

        WaitForAudit(GuestAuditKind.StoppedOutsideDaemon, TimeSpan.FromSeconds(10));
        Assert.Empty(_engine.Snapshot().Running);
    }

    [Fact]
    public void Hot_plug_is_decided_first_and_rolled_back_when_the_driver_cannot_do_it()
    {
        // The test driver has no virDomainAttachDeviceFlags: a real "unsupported" error to roll back from.
        Assert.True(_manager.Define(GuestSpec.Create("bridge-gw", ["red-net"])).Succeeded);
        Assert.True(_manager.Start("bridge-gw").Succeeded);

        var refused = _manager.AttachNic("bridge-gw", "green-net");
        var failed = _manager.AttachNic("bridge-gw", "blue-net");

        Assert.Equal(GuestOutcome.Refused, refused.Outcome);
        Assert.Equal(GuestOutcome.Failed, failed.Outcome);
        Assert.Contains("virDomainAttachDeviceFlags(bridge-gw): this function is not supported", failed.Message);
        Assert.DoesNotContain(_engine.Snapshot().Bindings, b => b.Resource == "blue-net");
        Assert.False(TapDevice.Exists(PortNames.For("bridge-gw", 1)));
        Assert.Single(_manager.List()[0].Nics);
        _manager.Stop("bridge-gw");
    }

    private GuestAuditEvent WaitForAudit(GuestAuditKind kind, TimeSpan timeout)
    {
        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        var seen = new List<GuestAuditEvent>();
        while (Environment.TickCount64 < deadline)
        {
            if (_audit.TryTake(out var e, TimeSpan.FromMilliseconds(Math.Max(1, deadline - Environment.TickCount64))))
            {
                seen.Add(e);
                if (e.Kind == kind)
                {
                    return e;
                }
            }
        }

        Assert.Fail($"no {kind} audit within {timeout}; saw: {string.Join("; ", seen)}");
        return null!;
    }
}
