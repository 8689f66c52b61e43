using Overlay.Daemon.Configuration;
using Overlay.Daemon.IkeHost;
using Overlay.Daemon.Tests.Support;
using Overlay.DataPlane.Esp;
using Overlay.Ike;
using Overlay.Ike.Sa;

namespace Overlay.Daemon.Tests.IkeHost;

/// <summary>The [ike] and [[ike.peer]] tables: swanctl-style proposals, defaults, and errors at file:line:column.</summary>
public sealed class IkeConfigTests
{
    private const string ConfigPath = "/etc/tvd-overlay/overlayd.toml";
    private const string MoonsKey = "\n[[ike.peer]]\nname = \"moon\"\npsk = \"moons-own-psk\"\n";
    private const string Base = "[daemon]\nhost = \"h1\"\n\n[dataplane]\nunderlay = \"10.200.0.1\"\n\n[[dataplane.peer]]\nname = \"moon\"\naddress = \"10.200.0.2\"\n\n";

    [Fact]
    public void Proposals_peers_and_timers_are_read_as_written()
    {
        ConfigLoadResult result = DaemonConfigLoader.Load(Base + """
            [ike]
            proposals = "aes256gcm16-prfsha384-ecp256, aes128-sha256-modp2048"
            esp_proposals = "aes128gcm16-esn, aes256gcm16"
            dpd_interval = 2
            retransmit_timeout = 500
            retransmit_tries = 2
            half_open_timeout = 3
            half_open_per_source = 2

            [[ike.peer]]
            name = "moon"
            psk = "moons-own-psk"
            mode = "ip"
            initiate = "no"
            local_ts = "10.13.1.0/24"
            remote_ts = "10.13.2.0/24, 10.13.3.7"
            """, ConfigPath);

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        IkeConfig ike = result.Config!.Ike!;
        Assert.Equal([KeyExchangeMethod.Ecp256, KeyExchangeMethod.Modp2048], ike.IkeProposals.Select(p => p.KeyExchange));
        Assert.Equal(IntegrityAlgorithm.HmacSha2_256_128, ike.IkeProposals[1].Integrity);
        Assert.Equal([new EspSuite(128, true), new EspSuite(256, false)], ike.EspProposals);
        Assert.Equal(TimeSpan.FromSeconds(2), ike.DpdInterval);
        Assert.Equal(new RetransmitPolicy(TimeSpan.FromMilliseconds(500), 1.8, 2), ike.Retransmit);
        Assert.Equal(new HalfOpenOptions(TimeSpan.FromSeconds(3), 2), ike.HalfOpen);
        IkePeerConfig moon = ike.PeerSettings("moon");
        Assert.Equal((InnerMode.Ip, false), (moon.Mode, moon.Initiate!.Value));
        Assert.Equal(["10.13.2.0/24", "10.13.3.7/32"], moon.RemoteTs.Select(p => p.ToString()));
        Assert.Equal("10.13.2.255", moon.RemoteTs[0].Last.ToString());
    }

    [Fact]
    public void Defaults_offer_our_suites_then_no_esn_ones_for_libipsec_peers()
    {
        IkeConfig ike = DaemonConfigLoader.Load(Base + "[ike]\n\n[[ike.peer]]\nname = \"moon\"\npsk = \"moons-own-psk\"\n", ConfigPath).Config!.Ike!;
        Assert.Equal(IkeSaConfig.DefaultIkeProposals, ike.IkeProposals);
        Assert.Contains(new EspSuite(256, ExtendedSequenceNumbers: false), ike.EspProposals);
        Assert.Equal(InnerMode.EtherIp, ike.PeerSettings("moon").Mode);
        Assert.Null(ike.PeerSettings("moon").Initiate);
        Assert.Equal(new HalfOpenOptions(TimeSpan.FromSeconds(30), 5), ike.HalfOpen); // strongSwan's half_open_timeout and block_threshold
    }

    [Theory]
    [InlineData("", 20)]
    [InlineData("nat_keepalive = 5\n", 5)]
    [InlineData("nat_keepalive = 0\n", 0)]
    public void Nat_keepalive_reaches_every_IKE_SA_of_a_peer(string line, int seconds)
    {
        ConfigLoadResult result = DaemonConfigLoader.Load(Base + "[ike]\n" + line + MoonsKey, ConfigPath);

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        var peer = new IkePeer(result.Config!.DataPlane!.Peers[0], result.Config.Ike!, System.Net.IPAddress.Parse("10.200.0.1"), "h1");
        Assert.Equal(TimeSpan.FromSeconds(seconds), peer.IkeConfig([]).NatKeepalive);
    }

    [Theory]
    [InlineData("[ike]\nnat_keepalive = -1\n" + MoonsKey, "12:17", "nat_keepalive")]
    [InlineData("[ike]\nproposals = \"aes256gcm16-prfsha384-modp1024\"\n" + MoonsKey, "12:13", "not a proposal")]
    [InlineData("[ike]\n", "7:3", "peer 'moon' has no pre-shared key: set psk in its [[ike.peer]]")]
    [InlineData("[ike]\nhalf_open_timeout = 0\n" + MoonsKey, "12:21", "half_open_timeout")]
    [InlineData("[ike]\nhalf_open_per_source = 0\n" + MoonsKey, "12:24", "half_open_per_source")]
    [InlineData("[ike]\n\n[[ike.peer]]\nname = \"moon\"\npsk = \"short\"\n", "15:7", "at least 8 characters")]
    [InlineData("[ike]\n\n[[ike.peer]]\nname = \"moon\"\npsk = \"REPLACE with: openssl rand -base64 32\"\n", "15:7", "'psk' is the example's placeholder")]
    [InlineData("[ike]\n" + MoonsKey + "\n[[ike.peer]]\nname = \"sun\"\n", "17:3", "'sun' names no [[dataplane.peer]]")]
    [InlineData("[ike]\n" + MoonsKey + "mode = \"ip\"\n", "13:3", "mode \"ip\" needs local_ts and remote_ts")]
    [InlineData("[ike]\npsk = \"a-long-enough-psk\"\n", "12:7", "[ike] psk is one key for every peer: any host holding it can claim to be any other")]
    [InlineData("[ike]\nshared_psk = true\n" + MoonsKey, "12:14", "shared_psk = true needs the shared key")]
    public void Bad_ike_settings_are_errors_at_their_position(string ike, string at, string message)
    {
        ConfigLoadResult result = DaemonConfigLoader.Load(Base + ike, ConfigPath);
        Assert.False(result.Succeeded);
        ConfigError error = Assert.Single(result.Errors);
        Assert.Contains(message, error.Message);
        Assert.Equal(at, $"{error.Location.Line}:{error.Location.Column}");
    }

    [Fact]
    public void Two_peers_with_one_key_are_an_error_at_the_second_unless_shared_psk_says_so()
    {
        const string TwoPeers = "[[dataplane.peer]]\nname = \"sun\"\naddress = \"10.200.0.3\"\n\n[ike]\n" + MoonsKey
            + "\n[[ike.peer]]\nname = \"sun\"\npsk = \"moons-own-psk\"\n";

        ConfigLoadResult result = DaemonConfigLoader.Load(Base + TwoPeers, ConfigPath);

        ConfigError error = Assert.Single(result.Errors);
        Assert.Equal("[[ike.peer]] 'sun' has the same psk as 'moon': either could claim to be the other; give each peer its own key (or set shared_psk = true in [ike])", error.Message);
        Assert.Equal("21:3", $"{error.Location.Line}:{error.Location.Column}");
        Assert.True(DaemonConfigLoader.Load(Base + TwoPeers.Replace("[ike]\n", "[ike]\nshared_psk = true\npsk = \"one-key-for-all\"\n", StringComparison.Ordinal), ConfigPath).Succeeded);
    }

    [Fact]
    public void Each_peer_authenticates_with_its_own_key_and_a_shared_one_only_when_asked_for()
    {
        ConfigLoadResult own = DaemonConfigLoader.Load(Base + "[ike]\n" + MoonsKey, ConfigPath);
        ConfigLoadResult shared = DaemonConfigLoader.Load(Base + "[ike]\nshared_psk = true\npsk = \"one-key-for-all\"\n", ConfigPath);

        Assert.True(own.Succeeded && shared.Succeeded);
        Assert.False(own.Config!.Ike!.SharedPsk);
        Assert.True(shared.Config!.Ike!.SharedPsk);
        var moon = new Overlay.Daemon.IkeHost.IkePeer(own.Config.DataPlane!.Peers[0], own.Config.Ike, System.Net.IPAddress.Parse("10.200.0.1"), "h1");
        IkeSaConfig sa = moon.IkeConfig([]);
        Assert.Equal("moons-own-psk", System.Text.Encoding.UTF8.GetString(sa.PreSharedKey));
        Assert.Equal("moon", sa.RemoteId!.ToString()); // the key is moon's: only moon's identity is accepted with it
    }

    [Fact]
    public async Task A_daemon_on_a_shared_psk_says_so_at_start()
    {
        using var daemon = new DaemonProcess(extraConfig: $"""

            [dataplane]
            underlay = "127.0.0.1"
            port = {FreeUdpPort()}

            [[dataplane.peer]]
            name = "host2"
            address = "127.0.0.2"

            [ike]
            ike_port = {FreeUdpPort()}
            shared_psk = true
            psk = "one-key-for-all"
            """);

        await daemon.StartAndWaitReadyAsync();

        await daemon.ExpectOutputAsync("ike: shared_psk = true: one [ike] psk authenticates every peer without its own (host2); any host holding it can claim to be any other");
        daemon.Signal(Signals.SIGTERM);
        Assert.Equal(0, await daemon.WaitForExitAsync());
    }

    private static int FreeUdpPort()
    {
        using var probe = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        probe.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        return ((System.Net.IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
