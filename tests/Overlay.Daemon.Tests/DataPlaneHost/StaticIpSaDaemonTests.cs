using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Overlay.Daemon.Tests.Support;

namespace Overlay.Daemon.Tests.DataPlaneHost;

/// <summary>
/// The real daemon with statically keyed SAs in inner mode ip (manual keying, like <c>ip xfrm state</c> +
/// <c>ip xfrm policy</c>): it starts, installs both SAs and routes the peer's protected prefixes into the tunnel;
/// a tunnel whose SAs disagree on the mode keeps it from starting (exit 2, the SA's location).
/// The traffic itself is proven guest to guest by netns-lab scenario esp-static-ip.
/// </summary>
public sealed class StaticIpSaDaemonTests
{
    [Fact]
    public async Task Ip_mode_static_SAs_are_installed_and_their_remote_prefixes_routed()
    {
        using var daemon = new DaemonProcess(extraConfig: Config("ip"));

        JsonElement status = await daemon.StartAndWaitReadyAsync();

        JsonElement sas = status.GetProperty("dataplane").GetProperty("sas");
        Assert.Equal(["0x00001201 out tvd:green", "0x00002201 in tvd:green"],
            sas.EnumerateArray().Select(sa => $"{sa.GetProperty("spi").GetString()} {sa.GetProperty("direction").GetString()} {sa.GetProperty("tvd").GetString()}").Order());
        await daemon.ExpectOutputAsync("SA 0x00001201 inner mode ip: tvd green routes 10.13.2.0/24, 10.13.3.7/32 to peer host2 (local_ts 10.13.1.0/24)");
        daemon.Signal(Signals.SIGTERM);
        Assert.Equal(0, await daemon.WaitForExitAsync());
    }

    [Fact]
    public async Task A_tunnel_whose_SAs_disagree_on_the_mode_exits_2_with_the_location()
    {
        using var daemon = new DaemonProcess(extraConfig: Config("etherip").Replace(
            "local_ts = \"10.13.1.0/24\"\nremote_ts = \"10.13.2.0/24, 10.13.3.7\"\n\n[[dataplane.sa]]", "\n[[dataplane.sa]]", StringComparison.Ordinal));

        daemon.Start();

        Assert.Equal(2, await daemon.WaitForExitAsync());
        await daemon.ExpectOutputMatchAsync($@"{System.Text.RegularExpressions.Regex.Escape(daemon.ConfigFile)}:\d+:\d+: error: SA 00002201: mode ""ip"" but SA 00001201 \(line \d+\) .* is ""etherip""");
    }

    /// <summary>Both SAs of (host2, green); the first one's mode is <paramref name="firstMode"/>.</summary>
    private static string Config(string firstMode) => $"""

        [dataplane]
        underlay = "127.0.0.1"
        port = {FreeUdpPort()}

        [[dataplane.peer]]
        name = "host2"
        address = "127.0.0.2"

        [[dataplane.sa]]
        peer = "host2"
        tvd = "green"
        direction = "out"
        spi = 0x1201
        key = "000102030405060708090a0b0c0d0e0f10111213"
        mode = "{firstMode}"
        local_ts = "10.13.1.0/24"
        remote_ts = "10.13.2.0/24, 10.13.3.7"

        [[dataplane.sa]]
        peer = "host2"
        tvd = "green"
        direction = "in"
        spi = 0x2201
        key = "101112131415161718191a1b1c1d1e1f20212223"
        mode = "ip"
        local_ts = "10.13.1.0/24"
        remote_ts = "10.13.2.0/24, 10.13.3.7"
        """;

    private static int FreeUdpPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
