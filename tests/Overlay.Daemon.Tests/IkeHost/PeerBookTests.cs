using System.Net;
using Overlay.Daemon.Configuration;
using Overlay.Daemon.IkeHost;
using Overlay.DataPlane.Esp;

namespace Overlay.Daemon.Tests.IkeHost;

/// <summary>The peer book: configured peers always, the cluster's hosts swapped in and out whole, a configured peer winning a clash.</summary>
public sealed class PeerBookTests
{
    private const string ConfigPath = "/etc/tvd-overlay/overlayd.toml";
    private static readonly IPAddress Underlay = IPAddress.Parse("10.200.0.1");

    private static readonly DaemonConfig Config = DaemonConfigLoader.Load("""
        [daemon]
        host = "h1"

        [dataplane]
        underlay = "10.200.0.1"

        [[dataplane.peer]]
        name = "moon"
        address = "10.200.0.2"

        [ike]
        ike_port = 1500
        psk = "a-shared-key-for-everyone"
        shared_psk = true
        """, ConfigPath).Config!;

    private static PeerBook Book(List<IReadOnlyList<string>>? changes = null)
    {
        var book = new PeerBook();
        IkeConfig ike = Config.Ike!;
        book.Configure([new IkePeer(Config.DataPlane!.Peers[0], ike, Underlay, "h1")],
            host => new IkePeer(host.Name, host.Address, host.Port, host.IkePort, ike, Underlay, "h1", fromCluster: true));
        if (changes is not null)
        {
            book.Changed += peers => changes.Add([.. peers.Select(p => p.Name)]);
        }

        return book;
    }

    [Fact]
    public void Cluster_hosts_join_the_configured_peers_with_their_own_ports_in_etherip()
    {
        var changes = new List<IReadOnlyList<string>>();
        PeerBook book = Book(changes);

        book.SetDynamic([new DynamicPeer("h3", IPAddress.Parse("10.200.0.3"), 14500, 1501), new DynamicPeer("h0", IPAddress.Parse("10.200.0.0"), 4500, 500)]);

        Assert.Equal(["moon", "h3", "h0"], book.Peers.Select(p => p.Name));
        IkePeer h3 = book.FindByAddress(IPAddress.Parse("10.200.0.3"))!;
        Assert.Same(h3, book.FindByIdentity("h3"));
        Assert.True(h3.FromCluster);
        Assert.Equal(InnerMode.EtherIp, h3.Mode);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.200.0.3"), 14500), h3.DataPlaneEndpoint);
        Assert.Equal(1501, h3.Target.IkePort);
        Assert.True(h3.Target.Initiates); // the lower underlay address initiates
        Assert.False(book.FindByName("h0")!.Target.Initiates);
        Assert.Equal(1500, book.FindByName("moon")!.Target.IkePort); // a configured peer: our [ike] ike_port
        Assert.False(book.FindByName("moon")!.FromCluster);
        Assert.Equal([["moon", "h3", "h0"]], changes);
    }

    [Fact]
    public void A_host_that_leaves_the_inventory_leaves_the_book_and_one_that_stays_keeps_its_peer()
    {
        PeerBook book = Book();
        book.SetDynamic([new DynamicPeer("h3", IPAddress.Parse("10.200.0.3"), 4500, 500), new DynamicPeer("h4", IPAddress.Parse("10.200.0.4"), 4500, 500)]);
        IkePeer h3 = book.FindByName("h3")!;

        book.SetDynamic([new DynamicPeer("h3", IPAddress.Parse("10.200.0.3"), 4500, 500)]);

        Assert.Equal(["moon", "h3"], book.Peers.Select(p => p.Name));
        Assert.Same(h3, book.FindByName("h3"));
        Assert.Null(book.FindByName("h4"));
        Assert.Null(book.FindByAddress(IPAddress.Parse("10.200.0.4")));

        book.SetDynamic([new DynamicPeer("h3", IPAddress.Parse("10.200.0.33"), 4500, 500)]); // moved: a new peer
        Assert.NotSame(h3, book.FindByName("h3"));
        Assert.Null(book.FindByAddress(IPAddress.Parse("10.200.0.3")));
    }

    [Fact]
    public void A_cluster_host_with_a_configured_peers_name_or_address_is_left_out()
    {
        PeerBook book = Book();

        book.SetDynamic([new DynamicPeer("moon", IPAddress.Parse("10.200.0.9"), 4500, 500), new DynamicPeer("h5", IPAddress.Parse("10.200.0.2"), 4500, 500)]);

        Assert.Equal(["moon"], book.Peers.Select(p => p.Name));
        Assert.Equal(IPAddress.Parse("10.200.0.2"), book.FindByName("moon")!.Address);
        Assert.Equal(["moon", "h5"], book.Shadowed);
    }

    [Fact]
    public void Hosts_given_before_ike_starts_are_in_the_book_when_it_does()
    {
        var book = new PeerBook();
        book.SetDynamic([new DynamicPeer("h3", IPAddress.Parse("10.200.0.3"), 4500, 500)]);
        Assert.Empty(book.Peers); // no IKE yet: nothing to key with

        IkeConfig ike = Config.Ike!;
        book.Configure([], host => new IkePeer(host.Name, host.Address, host.Port, host.IkePort, ike, Underlay, "h1", fromCluster: true));

        Assert.Equal(["h3"], book.Peers.Select(p => p.Name));
    }
}
