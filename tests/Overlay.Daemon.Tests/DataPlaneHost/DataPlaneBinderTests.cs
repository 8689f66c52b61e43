using Overlay.Daemon.Configuration;
using Overlay.Daemon.DataPlaneHost;
using Overlay.Daemon.Tests.Configuration;
using Overlay.Daemon.Tests.Support;
using Overlay.DataPlane.Esp;
using Overlay.Labels.Compiled;
using Overlay.Labels.Loading;

namespace Overlay.Daemon.Tests.DataPlaneHost;

public sealed class DataPlaneBinderTests
{
    private const string ConfigPath = "/etc/tvd-overlay/overlayd.toml";
    private static readonly CompiledPolicy Policy = CompiledPolicy.Compile(PolicyLoader.LoadFile(RepoFiles.ExamplePolicy).Policy!);

    [Fact]
    public void SAs_get_the_TVDs_VLAN_and_wire_label_from_the_policy()
    {
        var errors = new List<ConfigError>();
        DataPlanePlan plan = DataPlaneBinder.Bind(Load(DataPlaneConfigTests.Full), Policy, errors)!;

        Assert.Empty(errors);
        Assert.All(plan.Sas, sa => Assert.Equal((ushort)101, sa.Descriptor.TvdVlanId));
        Assert.All(plan.Sas, sa => Assert.Equal("tvd:red", sa.Descriptor.TvdLabel));
        Assert.Equal("10.200.0.2:4500", plan.Sas[0].Descriptor.Peer.ToString());
    }

    [Fact]
    public void Unknown_TVD_and_unknown_peer_are_located_errors()
    {
        string text = DataPlaneConfigTests.Full
            .Replace("tvd = \"red\"\ndirection = \"out\"", "tvd = \"purple\"\ndirection = \"out\"", StringComparison.Ordinal)
            .Replace("peer = \"host2\"\ntvd = \"red\"\ndirection = \"in\"", "peer = \"host9\"\ntvd = \"red\"\ndirection = \"in\"", StringComparison.Ordinal);
        var errors = new List<ConfigError>();

        Assert.Null(DataPlaneBinder.Bind(Load(text), Policy, errors));

        Assert.Contains(errors, e => e.ToString().StartsWith($"{ConfigPath}:20:7: error: SA 00001101: 'purple' is not a TVD of policy 'acme-dc'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.ToString().StartsWith($"{ConfigPath}:26:8: error: SA 00002101: unknown peer 'host9'", StringComparison.Ordinal));
    }

    [Fact]
    public void Ip_mode_SAs_bind_with_their_TVD_and_inner_mode_ip()
    {
        var errors = new List<ConfigError>();
        DataPlanePlan plan = DataPlaneBinder.Bind(Load(DataPlaneConfigTests.IpMode), Policy, errors)!;

        Assert.Empty(errors);
        Assert.Equal([SaDirection.Outbound, SaDirection.Inbound], plan.Sas.Select(sa => sa.Descriptor.Direction));
        Assert.All(plan.Sas, sa => Assert.Equal(InnerMode.Ip, sa.Descriptor.InnerMode));
        Assert.All(plan.Sas, sa => Assert.Equal(((ushort)101, "tvd:red"), (sa.Descriptor.TvdVlanId, sa.Descriptor.TvdLabel)));
        Assert.All(plan.Sas, sa => Assert.Equal(3, sa.Config.RemoteTs.Count));
    }

    [Fact]
    public void One_tunnel_with_SAs_of_both_modes_is_a_located_error()
    {
        string text = DataPlaneConfigTests.IpMode.Replace(
            "mode = \"ip\"\nlocal_ts = \"10.13.1.0/24\"\nremote_ts = \"10.13.2.0/24, 10.13.3.7, fd13:2::/64\"\n\n[[dataplane.sa]]",
            "\n[[dataplane.sa]]", StringComparison.Ordinal);
        var errors = new List<ConfigError>();

        Assert.Null(DataPlaneBinder.Bind(Load(text), Policy, errors));

        ConfigError error = Assert.Single(errors);
        Assert.StartsWith($"{ConfigPath}:18:3: error: SA 00002201: mode \"ip\" but SA 00001201 (line 11) of the same peer 'host2' and TVD 'red' is \"etherip\"",
            error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Key_export_lines_are_wiresharks_esp_sa_format_in_each_direction()
    {
        DataPlanePlan plan = DataPlaneBinder.Bind(Load(DataPlaneConfigTests.Full), Policy, [])!;

        Assert.Equal(
            "\"IPv4\",\"10.200.0.1\",\"10.200.0.2\",\"0x00001101\",\"AES-GCM with 16 octet ICV [RFC4106]\",\"0x000102030405060708090a0b0c0d0e0f10111213\",\"NULL\",\"\"",
            EspKeyExport.Line(plan.Sas[0], "10.200.0.1"));
        Assert.StartsWith("\"IPv4\",\"10.200.0.2\",\"10.200.0.1\",\"0x00002101\",", EspKeyExport.Line(plan.Sas[1], "10.200.0.1"), StringComparison.Ordinal);
    }

    [Fact]
    public void Key_export_lines_of_a_dual_stack_host_name_its_address_of_each_peers_family()
    {
        string full = DataPlaneConfigTests.Full.Replace("underlay = \"10.200.0.1\"", "underlay = [\"fd00:200::1\", \"10.200.0.1\"]", StringComparison.Ordinal);
        DataPlanePlan v4 = DataPlaneBinder.Bind(Load(full), Policy, [])!;
        DataPlanePlan v6 = DataPlaneBinder.Bind(Load(full.Replace("address = \"10.200.0.2\"", "address = \"fd00:200::2\"", StringComparison.Ordinal)), Policy, [])!;
        IReadOnlyList<System.Net.IPAddress> underlays = [System.Net.IPAddress.Parse("fd00:200::1"), System.Net.IPAddress.Parse("10.200.0.1")];

        Assert.StartsWith("\"IPv4\",\"10.200.0.1\",\"10.200.0.2\",\"0x00001101\",", EspKeyExport.Line(v4.Sas[0], underlays), StringComparison.Ordinal);
        Assert.StartsWith("\"IPv6\",\"fd00:200::1\",\"fd00:200::2\",\"0x00001101\",", EspKeyExport.Line(v6.Sas[0], underlays), StringComparison.Ordinal);
        Assert.StartsWith("\"IPv6\",\"fd00:200::2\",\"fd00:200::1\",\"0x00002101\",", EspKeyExport.Line(v6.Sas[1], underlays), StringComparison.Ordinal);
    }

    [Fact]
    public void Key_export_file_is_private()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "keys", "esp_sa");
        DataPlanePlan plan = DataPlaneBinder.Bind(Load(DataPlaneConfigTests.Full), Policy, [])!;

        EspKeyExport.Write(path, plan.Sas, "10.200.0.1");

        Assert.Equal(2, File.ReadAllLines(path).Length);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    private static DataPlaneConfig Load(string text)
    {
        ConfigLoadResult result = DaemonConfigLoader.Load(text, ConfigPath);
        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        return result.Config!.DataPlane!;
    }
}
