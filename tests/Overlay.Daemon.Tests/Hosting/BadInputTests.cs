using Overlay.Daemon.Tests.Support;

namespace Overlay.Daemon.Tests.Hosting;

/// <summary>Bad config or policy: exit 2, every error as file:line:column, nothing bound.</summary>
public sealed class BadInputTests
{
    [Fact]
    public async Task Unknown_config_key_exits_2_with_its_location_and_leaves_no_socket()
    {
        using var daemon = new DaemonProcess(extraConfig: "polcy = \"typo.toml\"");

        daemon.Start();

        Assert.Equal(2, await daemon.WaitForExitAsync());
        await daemon.ExpectOutputAsync($"{daemon.ConfigFile}:6:1: error: unknown key 'polcy' in [daemon]");
        Assert.False(Directory.Exists(daemon.RuntimeDirectory), "nothing may be created for a bad config");
    }

    [Fact]
    public async Task Host_missing_from_the_policy_exits_2_pointing_at_the_host_line()
    {
        using var daemon = new DaemonProcess(host: "host9");

        daemon.Start();

        Assert.Equal(2, await daemon.WaitForExitAsync());
        await daemon.ExpectOutputAsync($"{daemon.ConfigFile}:2:8: error: host 'host9' is not a [[host]] in policy 'acme-dc'");
        await daemon.ExpectOutputAsync("its hosts: host1, host2");
        Assert.False(Directory.Exists(daemon.RuntimeDirectory));
    }

    [Fact]
    public async Task Broken_policy_exits_2_with_the_policy_errors()
    {
        using var daemon = new DaemonProcess();
        File.AppendAllText(daemon.PolicyFile, "\n[[tvd]]\nname = \"red\"\nvlan = 5000\n");

        daemon.Start();

        Assert.Equal(2, await daemon.WaitForExitAsync());
        await daemon.ExpectOutputMatchAsync($@"{System.Text.RegularExpressions.Regex.Escape(daemon.PolicyFile)}:\d+:\d+: error: ");
        await daemon.ExpectOutputAsync("error(s) in policy; not started");
        Assert.False(Directory.Exists(daemon.RuntimeDirectory));
    }

    [Fact]
    public async Task Missing_config_file_exits_2()
    {
        using var daemon = new DaemonProcess();

        daemon.Start(configFile: daemon.Directory.File("absent.toml"));

        Assert.Equal(2, await daemon.WaitForExitAsync());
        await daemon.ExpectOutputAsync("absent.toml:1:1: error: cannot read config");
    }
}
