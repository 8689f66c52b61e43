using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Overlay.Daemon.Tests.Support;

namespace Overlay.Daemon.Tests.DataPlaneHost;

/// <summary>
/// The real daemon with static SAs the policy decides about: a tunnel into a TVD that requires attestation is not
/// installed (a static peer proves nothing), and one a reload no longer lets the peer host carry is removed at once,
/// with the audited join denial and the revocation in the log. Guest ports and traffic: netns-lab esp-static-ip.
/// </summary>
public sealed class StaticPolicyDaemonTests
{
    [Fact]
    public async Task Static_SAs_the_policy_denies_are_not_installed_and_a_reload_revokes_them()
    {
        using var daemon = new DaemonProcess(extraConfig: Config());

        JsonElement status = await daemon.StartAndWaitReadyAsync();

        Assert.Equal(["0x00001301 out tvd:green", "0x00002301 in tvd:green"], Sas(status));
        await daemon.ExpectOutputAsync("static SA 0x00001101 out peer host2 tvd red not installed: the policy refuses it: deny: attestation: host host2 presented no evidence");
        await daemon.ExpectOutputAsync("audit join deny rule=attestation");

        // Version 2: host2 may run red only, so green may no longer travel between host1 and host2.
        string text = File.ReadAllText(daemon.PolicyFile);
        File.WriteAllText(daemon.PolicyFile, text.Replace("version = 1\n", "version = 2\nreplaces = 1\n", StringComparison.Ordinal)
            .Replace("types = [\"red\", \"green\"]", "types = [\"red\"]", StringComparison.Ordinal));
        daemon.Signal(Signals.SIGHUP);

        status = await daemon.WaitForStatusAsync(s => s.GetProperty("policy").GetProperty("version").GetInt64() == 2 && Sas(s).Length == 0);
        Assert.Empty(Sas(status));
        await daemon.ExpectOutputAsync("static SA 0x00001301 out peer host2 tvd green revoked by policy version 2: removed (deny: carriage:");
        await daemon.ExpectOutputAsync("static SA 0x00002301 in peer host2 tvd green revoked by policy version 2");
        await daemon.ExpectOutputMatchAsync("audit join deny rule=carriage .*peer=host2 tvd=green policy_version=2");
        daemon.Signal(Signals.SIGTERM);
        Assert.Equal(0, await daemon.WaitForExitAsync());
    }

    private static string[] Sas(JsonElement status) =>
        [.. status.GetProperty("dataplane").GetProperty("sas").EnumerateArray()
            .Select(sa => $"{sa.GetProperty("spi").GetString()} {sa.GetProperty("direction").GetString()} {sa.GetProperty("tvd").GetString()}").Order()];

    private static string Config() => $"""

        [dataplane]
        underlay = "127.0.0.1"
        port = {FreeUdpPort()}

        [[dataplane.peer]]
        name = "host2"
        address = "127.0.0.2"
        {Sa("red", "out", "0x1101")}
        {Sa("red", "in", "0x2101")}
        {Sa("green", "out", "0x1301")}
        {Sa("green", "in", "0x2301")}
        """;

    private static string Sa(string tvd, string direction, string spi) => $"""

        [[dataplane.sa]]
        peer = "host2"
        tvd = "{tvd}"
        direction = "{direction}"
        spi = {spi}
        key = "000102030405060708090a0b0c0d0e0f10111213"
        """;

    private static int FreeUdpPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }
}
