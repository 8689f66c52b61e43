using Overlay.Hypervisor.Interop;
using Overlay.Hypervisor.Libvirt;
using Overlay.Hypervisor.Tests.Support;

namespace Overlay.Hypervisor.Tests.Libvirt;

/// <summary>
/// The binding against libvirt's test driver (test:///default): the real libvirt.so.0, no daemon. The default
/// test connection is shared by every opener in the process, so each test uses domains of its own name.
/// </summary>
[Collection(LibvirtCollection.Name)]
public sealed class LibvirtConnectionTests
{
    [Fact]
    public void Opens_the_test_driver_and_reports_version_and_uri()
    {
        using var conn = LibvirtConnection.Open(LibvirtConnection.TestUri);

        Assert.Equal("test:///default", conn.Uri);
        Assert.True(conn.LibraryVersion >= 9_000_000, $"libvirt {conn.LibraryVersion}");
        Assert.True(conn.IsAlive);
        Assert.False(conn.KeepAliveEnabled); // a local driver has no peer to probe
    }

    [Fact]
    public void Unknown_driver_raises_libvirts_message()
    {
        var e = Assert.Throws<LibvirtException>(() => LibvirtConnection.Open("nosuchdriver:///x"));

        Assert.Contains("virConnectOpen(nosuchdriver:///x)", e.Message);
        Assert.NotEqual(0, e.Code);
        Assert.False(string.IsNullOrWhiteSpace(e.LibvirtMessage));
    }

    [Fact]
    public void Define_start_destroy_undefine_round_trip()
    {
        using var conn = LibvirtConnection.Open(LibvirtConnection.TestUri);
        var name = TestDomains.UniqueName("rt");

        using (var domain = conn.Define(TestDomains.Xml(name)))
        {
            Assert.Equal(name, domain.Name);
            Assert.Equal(DomainState.Shutoff, domain.State);
            Assert.Contains(conn.ListStates(), d => d.Name == name && d.State == DomainState.Shutoff);

            domain.Start();
            Assert.Equal(DomainState.Running, domain.State);
            Assert.True(domain.IsActive);
            Assert.Contains(conn.ListStates(), d => d.Name == name && d.State == DomainState.Running);

            domain.Destroy();
            Assert.Equal(DomainState.Shutoff, domain.State);
            domain.Undefine();
        }

        Assert.Null(conn.Find(name));
        Assert.DoesNotContain(conn.ListStates(), d => d.Name == name);
    }

    [Fact]
    public void Xml_description_carries_what_was_defined()
    {
        using var conn = LibvirtConnection.Open(LibvirtConnection.TestUri);
        var name = TestDomains.UniqueName("xml");
        using var domain = conn.Define(TestDomains.Xml(name, memoryKiB: 131072));
        try
        {
            var xml = domain.GetXml();

            Assert.Contains($"<name>{name}</name>", xml);
            Assert.Contains("<memory unit='KiB'>131072</memory>", xml);
        }
        finally
        {
            domain.Undefine();
        }
    }

    [Fact]
    public void Invalid_xml_is_refused_with_the_parsers_reason()
    {
        using var conn = LibvirtConnection.Open(LibvirtConnection.TestUri);

        var e = Assert.Throws<LibvirtException>(() => conn.Define("<domain type='test'><name>x</name>"));

        Assert.Contains("virDomainDefineXML", e.Operation);
        Assert.Contains("Premature end of data", e.LibvirtMessage);
    }

    [Fact]
    public void Operations_on_a_vanished_domain_raise_no_domain_errors()
    {
        using var conn = LibvirtConnection.Open(LibvirtConnection.TestUri);
        var name = TestDomains.UniqueName("gone");
        using var domain = conn.Define(TestDomains.Xml(name));
        domain.Undefine();

        Assert.Null(conn.Find(name));
        var e = Assert.Throws<LibvirtException>(domain.Start);
        Assert.Contains(name, e.Operation);
    }

    [Fact]
    public void Lifecycle_events_arrive_for_define_start_stop_undefine()
    {
        using var conn = LibvirtConnection.Open(LibvirtConnection.TestUri);
        var name = TestDomains.UniqueName("ev");
        using var events = new EventRecorder(conn, name);

        using (var domain = conn.Define(TestDomains.Xml(name)))
        {
            domain.Start();
            domain.Destroy();
            domain.Undefine();
        }

        var seen = events.WaitFor(4, TimeSpan.FromSeconds(10));
        Assert.Equal(
            [DomainEventType.Defined, DomainEventType.Started, DomainEventType.Stopped, DomainEventType.Undefined],
            seen.Select(e => e.Type));
    }

    [Fact]
    public void Start_by_another_client_is_seen_as_an_event()
    {
        // What the daemon sees when an operator runs `virsh start` behind its back.
        using var daemon = LibvirtConnection.Open(LibvirtConnection.TestUri);
        using var operatorConn = LibvirtConnection.Open(LibvirtConnection.TestUri);
        var name = TestDomains.UniqueName("oob");
        using var events = new EventRecorder(daemon, name);

        using var domain = operatorConn.Define(TestDomains.Xml(name));
        try
        {
            domain.Start();
            var seen = events.WaitFor(2, TimeSpan.FromSeconds(10));
            Assert.Equal(DomainEventType.Started, seen[1].Type);
        }
        finally
        {
            domain.Destroy();
            domain.Undefine();
        }
    }

    [Fact]
    public void A_domain_keeps_its_connection_open_after_the_connection_object_is_disposed()
    {
        var conn = LibvirtConnection.Open(LibvirtConnection.TestUri);
        var name = TestDomains.UniqueName("ref");
        var domain = conn.Define(TestDomains.Xml(name));
        conn.Dispose();

        // The virConnectPtr is still referenced by the domain handle, so libvirt calls keep working.
        Assert.Equal(DomainState.Shutoff, domain.State);
        domain.Undefine();
        domain.Dispose();
    }
}
