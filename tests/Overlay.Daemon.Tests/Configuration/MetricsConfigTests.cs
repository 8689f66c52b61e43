using System.Net;
using Overlay.Daemon.Configuration;

namespace Overlay.Daemon.Tests.Configuration;

/// <summary><c>[metrics]</c>: off without the table, loopback only, every problem located.</summary>
public sealed class MetricsConfigTests
{
    private const string ConfigPath = "/etc/tvd-overlay/overlayd.toml";
    private const string Daemon = "[daemon]\nhost = \"h1\"\n";

    [Fact]
    public void Without_a_metrics_table_nothing_listens()
    {
        ConfigLoadResult result = DaemonConfigLoader.Load(Daemon, ConfigPath);

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.Null(result.Config!.Metrics);
    }

    [Theory]
    [InlineData("127.0.0.1:9469", "127.0.0.1", 9469)]
    [InlineData("127.0.0.53:19469", "127.0.0.53", 19469)]
    public void A_loopback_address_and_port_are_taken(string listen, string address, int port)
    {
        ConfigLoadResult result = DaemonConfigLoader.Load($"{Daemon}\n[metrics]\nlisten = \"{listen}\"\n", ConfigPath);

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.Equal(new IPEndPoint(IPAddress.Parse(address), port), result.Config!.Metrics!.Listen);
        Assert.Equal(new ConfigLocation(ConfigPath, 5, 10), result.Config.Metrics.Location);
    }

    [Theory]
    [InlineData("listen = \"0.0.0.0:9469\"", "5:10: error: 'listen' must be a loopback address: 0.0.0.0 is not")]
    [InlineData("listen = \"10.200.0.2:9469\"", "5:10: error: 'listen' must be a loopback address: 10.200.0.2 is not")]
    [InlineData("listen = \"[::]:9469\"", "5:10: error: 'listen' must be a loopback address: :: is not")]
    [InlineData("listen = \"[::1]:9469\"", "5:10: error: 'listen' must be an IPv4 loopback address (127.0.0.0/8), not ::1")]
    [InlineData("listen = \"127.0.0.1\"", "5:10: error: 'listen' must be an IP address and a port")]
    [InlineData("listen = \"[::1]\"", "5:10: error: 'listen' must be an IP address and a port")]
    [InlineData("listen = \"localhost:9469\"", "5:10: error: 'listen' must be an IP address and a port")]
    [InlineData("listen = \"127.0.0.1:0\"", "5:10: error: 'listen' needs a port other than 0")]
    [InlineData("listen = \"127.0.0.1:70000\"", "5:10: error: 'listen' must be an IP address and a port")]
    [InlineData("listen = 9469", "5:10: error: 'listen' must be a non-empty string")]
    [InlineData("port = 9469", "4:2: error: missing listen = \"...\"")]
    [InlineData("listen = \"127.0.0.1:9469\"\npath = \"/metrics\"", "6:1: error: unknown key 'path' in [metrics] (known: listen)")]
    public void A_bad_metrics_table_is_a_located_error(string body, string expected)
    {
        ConfigLoadResult result = DaemonConfigLoader.Load($"{Daemon}\n[metrics]\n{body}\n", ConfigPath);

        Assert.False(result.Succeeded);
        Assert.Contains(result.Errors, e => e.ToString().StartsWith($"{ConfigPath}:{expected}", StringComparison.Ordinal));
    }
}
