using Overlay.Daemon.Configuration;
using Overlay.Daemon.IkeHost;
using Overlay.DataPlane.Esp;
using Overlay.Ike;
using Overlay.Ike.Sa;

namespace Overlay.Daemon.Tests.IkeHost;

/// <summary>The [ike] and [[ike.peer]] tables: swanctl-style proposals, defaults, and errors at file:line:column.</summary>
public sealed class IkeConfigTests
{
    private const string ConfigPath = "/etc/tvd-overlay/overlayd.toml";
    private const string Base = "[daemon]\nhost = \"h1\"\n\n[dataplane]\nunderlay = \"10.200.0.1\"\n\n[[dataplane.peer]]\nname = \"moon\"\naddress = \"10.200.0.2\"\n\n";

    [Fact]
    public void Proposals_peers_and_timers_are_read_as_written()
    {
        ConfigLoadResult result = DaemonConfigLoader.Load(Base + """
            [ike]
            psk = "a-long-enough-psk"
            proposals = "aes256gcm16-prfsha384-ecp256, aes128-sha256-modp2048"
            esp_proposals = "aes128gcm16-esn, aes256gcm16"
            dpd_interval = 2
            retransmit_timeout = 500
            retransmit_tries = 2
            half_open_timeout = 3
            half_open_per_source = 2

            [[ike.peer]]
            name = "moon"
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
        IkeConfig ike = DaemonConfigLoader.Load(Base + "[ike]\npsk = \"a-long-enough-psk\"\n", ConfigPath).Config!.Ike!;
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
        ConfigLoadResult result = DaemonConfigLoader.Load(Base + "[ike]\npsk = \"a-long-enough-psk\"\n" + line, ConfigPath);

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        var peer = new IkePeer(result.Config!.DataPlane!.Peers[0], result.Config.Ike!, System.Net.IPAddress.Parse("10.200.0.1"), "h1");
        Assert.Equal(TimeSpan.FromSeconds(seconds), peer.IkeConfig([]).NatKeepalive);
    }

    [Theory]
    [InlineData("[ike]\npsk = \"a-long-enough-psk\"\nnat_keepalive = -1\n", "13:17", "nat_keepalive")]
    [InlineData("[ike]\npsk = \"a-long-enough-psk\"\nproposals = \"aes256gcm16-prfsha384-modp1024\"\n", "13:13", "not a proposal")]
    [InlineData("[ike]\n", "7:3", "peer 'moon' has no pre-shared key")]
    [InlineData("[ike]\npsk = \"a-long-enough-psk\"\nhalf_open_timeout = 0\n", "13:21", "half_open_timeout")]
    [InlineData("[ike]\npsk = \"a-long-enough-psk\"\nhalf_open_per_source = 0\n", "13:24", "half_open_per_source")]
    [InlineData("[ike]\npsk = \"short\"\n", "12:7", "at least 8 characters")]
    [InlineData("[ike]\npsk = \"a-long-enough-psk\"\n\n[[ike.peer]]\nname = \"sun\"\n", "14:3", "'sun' names no [[dataplane.peer]]")]
    [InlineData("[ike]\npsk = \"a-long-enough-psk\"\n\n[[ike.peer]]\nname = \"moon\"\nmode = \"ip\"\n", "14:3", "mode \"ip\" needs local_ts and remote_ts")]
    public void Bad_ike_settings_are_errors_at_their_position(string ike, string at, string message)
    {
        ConfigLoadResult result = DaemonConfigLoader.Load(Base + ike, ConfigPath);
        Assert.False(result.Succeeded);
        ConfigError error = Assert.Single(result.Errors);
        Assert.Contains(message, error.Message);
        Assert.Equal(at, $"{error.Location.Line}:{error.Location.Column}");
    }
}
