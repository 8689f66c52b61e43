using System.Net;
using Overlay.Daemon.Configuration;
using Overlay.DataPlane.Esp;

namespace Overlay.Daemon.Tests.Configuration;

public sealed class DataPlaneConfigTests
{
    private const string ConfigPath = "/etc/tvd-overlay/overlayd.toml";

    internal const string Full = """
        [daemon]
        host = "host1"

        [dataplane]
        underlay = "10.200.0.1"
        debug_key_export = "keys/esp_sa"

        [[dataplane.port]]
        name = "eth-red1"
        interface = "tl1-h1red"
        guest = "hr-db"
        network = "red-net"

        [[dataplane.peer]]
        name = "host2"
        address = "10.200.0.2"

        [[dataplane.sa]]
        peer = "host2"
        tvd = "red"
        direction = "out"
        spi = 0x1101
        key = "000102030405060708090a0b0c0d0e0f10111213"

        [[dataplane.sa]]
        peer = "host2"
        tvd = "red"
        direction = "in"
        spi = 0x2101
        key = "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223"
        mode = "etherip"
        esn = false
        """;

    /// <summary>Static SAs in inner mode ip, keyed by hand like <c>ip xfrm state</c> + <c>ip xfrm policy</c>.</summary>
    internal const string IpMode = """
        [daemon]
        host = "host1"

        [dataplane]
        underlay = "10.200.0.1"

        [[dataplane.peer]]
        name = "host2"
        address = "10.200.0.2"

        [[dataplane.sa]]
        peer = "host2"
        tvd = "red"
        direction = "out"
        spi = 0x1201
        key = "000102030405060708090a0b0c0d0e0f10111213"
        mode = "ip"
        local_ts = "10.13.1.0/24"
        remote_ts = "10.13.2.0/24, 10.13.3.7, fd13:2::/64"

        [[dataplane.sa]]
        peer = "host2"
        tvd = "red"
        direction = "in"
        spi = 0x2201
        key = "101112131415161718191a1b1c1d1e1f20212223"
        mode = "ip"
        local_ts = "10.13.1.0/24"
        remote_ts = "10.13.2.0/24, 10.13.3.7, fd13:2::/64"
        """;

    private const string IpSaHead = "[dataplane]\nunderlay = \"10.0.0.1\"\n[[dataplane.sa]]\npeer = \"p\"\ntvd = \"red\"\ndirection = \"in\"\nspi = 4096\n"
        + "key = \"000102030405060708090a0b0c0d0e0f10111213\"\n";

    [Fact]
    public void A_full_dataplane_config_is_read_with_defaults_and_resolved_paths()
    {
        ConfigLoadResult result = DaemonConfigLoader.Load(Full, ConfigPath);

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        DataPlaneConfig dp = result.Config!.DataPlane!;
        Assert.Equal(IPAddress.Parse("10.200.0.1"), dp.Underlay);
        Assert.Equal(4500, dp.Port);
        Assert.Equal(1500, dp.Mtu);
        Assert.Equal(Math.Min(Environment.ProcessorCount, 64), dp.Workers);
        Assert.Equal("/etc/tvd-overlay/keys/esp_sa", dp.DebugKeyExport);
        Assert.Equal(("eth-red1", "tl1-h1red", "hr-db", "red-net"), (dp.Ports[0].Name, dp.Ports[0].Interface, dp.Ports[0].Guest, dp.Ports[0].Network));
        Assert.Equal(4500, Assert.Single(dp.Peers).Port);
        Assert.Equal([0x1101u, 0x2101u], dp.Sas.Select(s => s.Spi));
        Assert.Equal([SaDirection.Outbound, SaDirection.Inbound], dp.Sas.Select(s => s.Direction));
        Assert.Equal([EspCipher.AesGcm128, EspCipher.AesGcm256], dp.Sas.Select(s => s.Cipher));
        Assert.Equal([true, false], dp.Sas.Select(s => s.ExtendedSequenceNumbers));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(64)]
    public void Workers_are_read_as_given(int workers)
    {
        ConfigLoadResult result = DaemonConfigLoader.Load($"[daemon]\nhost = \"h\"\n[dataplane]\nunderlay = \"10.0.0.1\"\nworkers = {workers}\n", ConfigPath);
        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.Equal(workers, result.Config!.DataPlane!.Workers);
    }

    [Fact]
    public void Without_a_dataplane_table_there_is_no_data_plane_and_export_is_off()
    {
        ConfigLoadResult result = DaemonConfigLoader.Load("[daemon]\nhost = \"h\"\n[dataplane]\nunderlay = \"10.0.0.1\"\n", ConfigPath);
        Assert.Null(result.Config!.DataPlane!.DebugKeyExport);
        Assert.Null(DaemonConfigLoader.Load("[daemon]\nhost = \"h\"\n", ConfigPath).Config!.DataPlane);
    }

    [Fact]
    public void Ip_mode_SAs_carry_their_protected_prefixes()
    {
        ConfigLoadResult result = DaemonConfigLoader.Load(IpMode, ConfigPath);

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        IReadOnlyList<StaticSaConfig> sas = result.Config!.DataPlane!.Sas;
        Assert.All(sas, sa => Assert.Equal(InnerMode.Ip, sa.Mode));
        Assert.All(sas, sa => Assert.Equal(["10.13.1.0/24"], sa.LocalTs.Select(p => p.ToString())));
        Assert.All(sas, sa => Assert.Equal(["10.13.2.0/24", "10.13.3.7/32", "fd13:2::/64"], sa.RemoteTs.Select(p => p.ToString())));
        Assert.Equal(IPAddress.Parse("10.13.2.255"), sas[0].RemoteTs[0].Last);
    }

    [Fact]
    public void Etherip_SAs_have_no_prefixes()
    {
        DataPlaneConfig dp = DaemonConfigLoader.Load(Full, ConfigPath).Config!.DataPlane!;

        Assert.All(dp.Sas, sa => Assert.Empty(sa.LocalTs));
        Assert.All(dp.Sas, sa => Assert.Empty(sa.RemoteTs));
    }

    [Theory]
    [InlineData("mode = \"ip\"\n", "5:3: error: mode \"ip\" needs local_ts and remote_ts")]
    [InlineData("mode = \"ip\"\nlocal_ts = \"10.13.1.0/24\"\n", "5:3: error: mode \"ip\" needs local_ts and remote_ts")]
    [InlineData("mode = \"ip\"\nlocal_ts = \"10.13.1.0/24\"\nremote_ts = \"10.13.2.0/33\"\n", "13:13: error: 'remote_ts': \"10.13.2.0/33\" is not an address prefix")]
    [InlineData("mode = \"ip\"\nlocal_ts = \"10.13.1.0/24, red\"\nremote_ts = \"10.13.2.0/24\"\n", "12:12: error: 'local_ts': \"red\" is not an address prefix")]
    [InlineData("mode = \"ip\"\nlocal_ts = \"10.13.0.0/16\"\nremote_ts = \"10.13.2.0/24\"\n", "13:13: error: 'remote_ts': 10.13.2.0/24 overlaps local_ts")]
    [InlineData("mode = \"ip\"\nlocal_ts = \"fd13::/48\"\nremote_ts = \"10.13.2.0/24, fd13:0:0:2::/64\"\n", "13:13: error: 'remote_ts': fd13:0:0:2::/64 overlaps local_ts")]
    [InlineData("mode = \"ip\"\nlocal_ts = \"fd13:1::/129\"\nremote_ts = \"fd13:2::/64\"\n", "12:12: error: 'local_ts': \"fd13:1::/129\" is not an address prefix")]
    [InlineData("local_ts = \"10.13.1.0/24\"\n", "11:12: error: 'local_ts' applies to mode \"ip\" only")]
    public void Ip_mode_prefix_errors_point_at_file_line_and_column(string tail, string expected)
    {
        ConfigLoadResult result = DaemonConfigLoader.Load("[daemon]\nhost = \"h\"\n" + IpSaHead + tail, ConfigPath);

        Assert.False(result.Succeeded);
        Assert.Contains(result.Errors, e => e.ToString().StartsWith($"{ConfigPath}:{expected}", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("[dataplane]\nunderlay = \"10.0.0.1\"\nprot = 4500\n", "5:1: error: unknown key 'prot' in [dataplane]")]
    [InlineData("[dataplane]\nunderlay = \"10.0.0.1\"\n[[dataplane.port]]\nname = \"p\"\ninterface = \"x\"\nguest = \"g\"\nnetwork = \"n\"\nvlan = 5\n", "10:1: error: unknown key 'vlan' in [[dataplane.port]]")]
    [InlineData("[dataplane]\nunderlay = \"fe80::1\"\n", "4:12: error: 'underlay' must be an IPv4 address")]
    [InlineData("[dataplane]\nunderlay = \"10.0.0.1\"\nport = 70000\n", "5:8: error: 'port' must be an integer in 1..65535")]
    [InlineData("[dataplane]\nunderlay = \"10.0.0.1\"\nworkers = 0\n", "5:11: error: 'workers' must be an integer in 1..64")]
    [InlineData("[dataplane]\nunderlay = \"10.0.0.1\"\nworkers = 65\n", "5:11: error: 'workers' must be an integer in 1..64")]
    [InlineData("[dataplane]\nunderlay = \"10.0.0.1\"\nworkers = \"all\"\n", "5:11: error: 'workers' must be an integer")]
    [InlineData("[dataplane]\nunderlay = \"10.0.0.1\"\n[[dataplane.sa]]\npeer = \"p\"\ntvd = \"red\"\ndirection = \"both\"\nspi = 4096\nkey = \"00\"\n", "8:13: error: direction must be \"out\" or \"in\"")]
    [InlineData("[dataplane]\nunderlay = \"10.0.0.1\"\n[[dataplane.sa]]\npeer = \"p\"\ntvd = \"red\"\ndirection = \"in\"\nspi = 4096\nkey = \"0011\"\n", "10:7: error: key must be 20 bytes (AES-128 + salt) or 36 bytes")]
    [InlineData("[dataplane]\nunderlay = \"10.0.0.1\"\n[[dataplane.sa]]\npeer = \"p\"\ntvd = \"red\"\ndirection = \"in\"\nspi = 255\nkey = \"0011\"\n", "9:7: error: 'spi' must be an integer in 256..")]
    [InlineData("[[dataplane.peer]]\nname = \"p\"\naddress = \"10.0.0.2\"\n", "3:3: error: [[dataplane.peer]] needs a [dataplane] table")]
    [InlineData("[dataplane.extra]\nx = 1\n", "3:2: error: unknown table 'dataplane.extra'")]
    [InlineData("[dataplane]\nunderlay = \"::ffff:10.0.0.1\"\n", "4:12: error: 'underlay' must be an IPv4 address (dotted quad) or a global IPv6 address")]
    [InlineData("[dataplane]\nunderlay = [\"10.0.0.1\", \"10.0.0.2\"]\n", "4:25: error: 'underlay' lists two IPv4 addresses (10.0.0.1, 10.0.0.2): one per family")]
    [InlineData("[dataplane]\nunderlay = [\"10.0.0.1\", \"2001:db8::1\", \"2001:db8::2\"]\n", "4:40: error: 'underlay' lists two IPv6 addresses")]
    [InlineData("[dataplane]\nunderlay = [\"10.0.0.1\", \"host\"]\n", "4:25: error: 'underlay' must list IPv4 or IPv6 addresses, not \"host\"")]
    [InlineData("[dataplane]\nunderlay = []\n", "4:12: error: 'underlay' must list at least one address")]
    [InlineData("[dataplane]\nunderlay = \"10.0.0.1\"\n[[dataplane.peer]]\nname = \"p\"\naddress = \"2001:db8::2\"\n", "7:11: error: peer address 2001:db8::2 is IPv6 but this host has no IPv6 underlay")]
    [InlineData("[dataplane]\nunderlay = \"2001:db8::1\"\n[[dataplane.peer]]\nname = \"p\"\naddress = \"10.0.0.2\"\n", "7:11: error: peer address 10.0.0.2 is IPv4 but this host has no IPv4 underlay")]
    [InlineData("[dataplane]\nunderlay = \"10.0.0.1\"\nunderlay_io = \"dpdk\"\n", "5:15: error: underlay_io must be \"udp\" or \"af_xdp\", not \"dpdk\"")]
    [InlineData("[dataplane]\nunderlay = \"10.0.0.1\"\nunderlay_io = 1\n", "5:15: error: 'underlay_io'")]
    public void Errors_point_at_file_line_and_column(string dataplane, string expected)
    {
        ConfigLoadResult result = DaemonConfigLoader.Load("[daemon]\nhost = \"h\"\n" + dataplane, ConfigPath);

        Assert.False(result.Succeeded);
        Assert.Contains(result.Errors, e => e.ToString().StartsWith($"{ConfigPath}:{expected}", StringComparison.Ordinal));
    }

    [Fact]
    public void An_ipv6_underlay_and_ipv6_peers_are_read()
    {
        ConfigLoadResult result = DaemonConfigLoader.Load(
            "[daemon]\nhost = \"h\"\n[dataplane]\nunderlay = \"2001:db8::1\"\n[[dataplane.peer]]\nname = \"p\"\naddress = \"2001:db8::2\"\n", ConfigPath);

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        DataPlaneConfig dataPlane = result.Config!.DataPlane!;
        Assert.Equal(IPAddress.Parse("2001:db8::1"), dataPlane.Underlay);
        Assert.Equal([IPAddress.Parse("2001:db8::1")], dataPlane.Underlays);
        Assert.Equal(IPAddress.Parse("2001:db8::2"), dataPlane.Peers[0].Address);
        Assert.Null(dataPlane.UnderlayFor(System.Net.Sockets.AddressFamily.InterNetwork));
    }

    [Fact]
    public void A_dual_stack_host_lists_one_underlay_per_family_and_reaches_peers_of_both()
    {
        ConfigLoadResult result = DaemonConfigLoader.Load("""
            [daemon]
            host = "h"
            [dataplane]
            underlay = ["10.0.0.1", "2001:db8::1"]
            [[dataplane.peer]]
            name = "v4"
            address = "10.0.0.2"
            [[dataplane.peer]]
            name = "v6"
            address = "2001:db8::2"
            """, ConfigPath);

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        DataPlaneConfig dataPlane = result.Config!.DataPlane!;
        Assert.Equal(IPAddress.Parse("10.0.0.1"), dataPlane.Underlay);
        Assert.Equal([IPAddress.Parse("10.0.0.1"), IPAddress.Parse("2001:db8::1")], dataPlane.Underlays);
        Assert.Equal(IPAddress.Parse("2001:db8::1"), dataPlane.UnderlayFor(System.Net.Sockets.AddressFamily.InterNetworkV6));
        Assert.Equal(["v4", "v6"], dataPlane.Peers.Select(p => p.Name));
    }

    [Theory]
    [InlineData("", UnderlayIo.Udp)]
    [InlineData("underlay_io = \"udp\"\n", UnderlayIo.Udp)]
    [InlineData("underlay_io = \"af_xdp\"\n", UnderlayIo.AfXdp)]
    public void Underlay_io_is_udp_unless_af_xdp_is_asked_for(string line, UnderlayIo expected)
    {
        ConfigLoadResult result = DaemonConfigLoader.Load("[daemon]\nhost = \"h\"\n[dataplane]\nunderlay = \"10.0.0.1\"\n" + line, ConfigPath);
        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.Equal(expected, result.Config!.DataPlane!.UnderlayIo);
    }
}
