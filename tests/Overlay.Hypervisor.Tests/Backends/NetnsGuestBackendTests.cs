using Overlay.Hypervisor.Backends;
using Overlay.Hypervisor.Guests;
using Overlay.Hypervisor.Measurement;
using Overlay.Hypervisor.Tests.Support;

namespace Overlay.Hypervisor.Tests.Backends;

/// <summary>The lab backend against real namespaces; every namespace is thv-&lt;pid&gt;-… and removed even on failure.</summary>
[Collection(LibvirtCollection.Name)]
public sealed class NetnsGuestBackendTests : IDisposable
{
    private readonly string _prefix = $"thv-{Environment.ProcessId}-";
    private readonly IpCommand _ip = new(timeout: TimeSpan.FromSeconds(10));
    private readonly NetnsGuestBackend _backend;

    public NetnsGuestBackendTests() => _backend = new NetnsGuestBackend(_prefix, _ip);

    public void Dispose()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return;
        }

        foreach (var guest in _backend.ListRunning())
        {
            _ip.Run("netns", "del", _backend.NamespaceOf(guest));
        }
    }

    private static GuestSpec Guest(string name, params (string Network, string Address)[] nics) =>
        new(name, nics.Select((n, i) => GuestNic.Derived(name, n.Network, i, n.Address)).ToList(), []);

    [RootFact]
    public void Start_makes_a_namespace_with_a_veth_per_vnic_and_stop_removes_both()
    {
        var guest = Guest($"g{Environment.ProcessId}", ("red-net", "10.77.0.2/24"), ("blue-net", "10.78.0.2/24"));

        _backend.Start(guest);
        try
        {
            Assert.True(_backend.IsRunning(guest.Name));
            Assert.Contains(guest.Name, _backend.ListRunning());
            foreach (var nic in guest.Nics)
            {
                Assert.True(Directory.Exists($"/sys/class/net/{nic.PortName}"), nic.PortName);
                Assert.Contains("veth", _ip.Run("-d", "link", "show", "dev", nic.PortName));
            }

            var inside = _ip.Run("-n", _backend.NamespaceOf(guest.Name), "-o", "addr", "show", "dev", "eth1");
            Assert.Contains("10.78.0.2/24", inside);
            var link = _ip.Run("-n", _backend.NamespaceOf(guest.Name), "link", "show", "dev", "eth0");
            Assert.Contains(guest.Nics[0].MacAddress, link);
        }
        finally
        {
            _backend.Define(guest);
            _backend.Stop(guest.Name);
        }

        Assert.False(_backend.IsRunning(guest.Name));
        Assert.All(guest.Nics, nic => Assert.False(Directory.Exists($"/sys/class/net/{nic.PortName}")));
    }

    [RootFact]
    public void Traffic_flows_from_the_host_port_into_the_guest()
    {
        var guest = Guest($"p{Environment.ProcessId}", ("red-net", "10.79.0.2/24"));
        _backend.Define(guest);
        _backend.Start(guest);
        try
        {
            var port = guest.Nics[0].PortName;
            _ip.Run("addr", "add", "10.79.0.1/24", "dev", port);

            var ping = new IpCommand("ping", TimeSpan.FromSeconds(10)).Run("-c", "1", "-W", "3", "10.79.0.2");

            Assert.Contains("1 received", ping);
        }
        finally
        {
            _backend.Stop(guest.Name);
        }
    }

    [RootFact]
    public void A_failed_start_leaves_nothing_behind()
    {
        // The second vNIC reuses the first one's port name, so its veth cannot be made.
        var name = $"f{Environment.ProcessId}";
        var nic = GuestNic.Derived(name, "red-net", 0);
        var guest = new GuestSpec(name, [nic, nic with { Network = "blue-net" }], []);

        var e = Assert.Throws<GuestBackendException>(() => _backend.Start(guest));

        Assert.Contains("ip link add", e.Message);
        Assert.False(_backend.IsRunning(name));
        Assert.False(Directory.Exists($"/sys/class/net/{nic.PortName}"));
    }

    [RootFact]
    public void Manager_destroys_a_namespace_guest_started_by_hand_against_the_chinese_wall()
    {
        var engine = TestPolicies.ExampleEngine();
        using var manager = new GuestManager(engine, "host1", _backend, new Sha256GuestMeasurer());
        var audit = new List<GuestAuditEvent>();
        manager.Audited += audit.Add;
        Assert.True(manager.Define(GuestSpec.Create("hertz-web", ["green-net"])).Succeeded);
        Assert.True(manager.Define(GuestSpec.Create("avis-web", ["green-net"])).Succeeded);
        Assert.True(manager.Start("hertz-web").Succeeded);
        try
        {
            _ip.Run("netns", "add", _backend.NamespaceOf("avis-web")); // an operator, behind the daemon's back

            Assert.Equal(1, manager.Reconcile());

            Assert.False(_backend.IsRunning("avis-web"));
            Assert.Contains(audit, a => a.Kind == GuestAuditKind.OutOfBandDestroyed && a.Detail.Contains("chinese-wall"));
        }
        finally
        {
            manager.Stop("hertz-web");
        }

        Assert.Empty(_backend.ListRunning());
    }

    [Fact]
    public void Volumes_cannot_be_attached_to_a_namespace()
    {
        var e = Assert.Throws<GuestBackendException>(() =>
            _backend.AttachVolume(GuestSpec.Create("g", ["red-net"]), new GuestVolume("hr-records", "/x.img")));

        Assert.Contains("no block devices", e.Message);
    }

    [Fact]
    public void The_measured_definition_names_every_port()
    {
        var guest = Guest("g", ("red-net", "10.0.0.2/24"));

        var text = System.Text.Encoding.UTF8.GetString(_backend.Definition(guest));

        Assert.Equal($"netns {_prefix}g\nnic eth0 network=red-net port={guest.Nics[0].PortName} mac={guest.Nics[0].MacAddress} address=10.0.0.2/24\n", text);
    }
}
