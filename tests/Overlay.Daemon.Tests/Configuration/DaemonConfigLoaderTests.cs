using Overlay.Daemon.Configuration;

namespace Overlay.Daemon.Tests.Configuration;

public sealed class DaemonConfigLoaderTests
{
    private const string ConfigPath = "/etc/tvd-overlay/overlayd.toml";

    [Fact]
    public void Minimal_config_takes_the_documented_defaults()
    {
        var result = DaemonConfigLoader.Load("[daemon]\nhost = \"host1\"\n", ConfigPath);

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        DaemonConfig config = result.Config!;
        Assert.Equal("host1", config.Host);
        Assert.Equal("/etc/tvd-overlay/policy.toml", config.PolicyFile);
        Assert.Equal("/var/lib/tvd-overlay", config.StateDirectory);
        Assert.Equal("/run/tvd-overlay", config.RuntimeDirectory);
        Assert.Equal("/run/tvd-overlay/control.sock", config.ControlSocket);
        Assert.Equal(new ConfigLocation(ConfigPath, 2, 8), config.HostLocation);
    }

    [Fact]
    public void Relative_paths_resolve_against_the_config_files_directory()
    {
        const string text = """
            [daemon]
            host = "host2"
            policy = "policies/acme.toml"
            state_dir = "../state"
            runtime_dir = "/tmp/x/run"
            """;

        DaemonConfig config = DaemonConfigLoader.Load(text, "/srv/tvd/conf/overlayd.toml").Config!;

        Assert.Equal("/srv/tvd/conf/policies/acme.toml", config.PolicyFile);
        Assert.Equal("/srv/tvd/state", config.StateDirectory);
        Assert.Equal("/tmp/x/run", config.RuntimeDirectory);
        Assert.Equal("/tmp/x/run/control.sock", config.ControlSocket);
    }

    [Fact]
    public void Control_socket_can_be_placed_explicitly()
    {
        DaemonConfig config = DaemonConfigLoader.Load("[daemon]\nhost = \"h\"\ncontrol_socket = \"/run/other/ctl.sock\"\n", ConfigPath).Config!;

        Assert.Equal("/run/other/ctl.sock", config.ControlSocket);
        Assert.Equal("/run/tvd-overlay", config.RuntimeDirectory);
    }

    [Theory]
    [InlineData("[daemon]\nhost = \"h\"\nhots = \"x\"\n", "3:1: error: unknown key 'hots' in [daemon]")]
    [InlineData("[daemon]\nhost = \"h\"\n[daemon.extra]\nx = 1\n", "3:2: error: unknown table 'daemon.extra'")]
    [InlineData("host = \"h\"\n[daemon]\nhost = \"h\"\n", "1:1: error: unknown top-level key 'host'")]
    [InlineData("[daemon]\nhost = 7\n", "2:8: error: 'host' must be a string")]
    [InlineData("[daemon]\nhost = \"\"\n", "2:8: error: 'host' must not be empty")]
    [InlineData("[daemon]\npolicy = \"p.toml\"\n", "1:2: error: [daemon] needs host =")]
    [InlineData("# nothing here\n", "1:1: error: missing [daemon] table")]
    [InlineData("[daemon]\nhost = \n", "2:8: error: ")]
    [InlineData("[[daemon]]\nhost = \"h\"\n", "1:3: error: unknown table 'daemon'")]
    [InlineData("[daemon]\nhost = \"h\"\nlog.level = \"debug\"\n", "3:1: error: unknown key 'log.level'")]
    public void Errors_point_at_file_line_and_column(string text, string expected)
    {
        var result = DaemonConfigLoader.Load(text, ConfigPath);

        Assert.False(result.Succeeded);
        Assert.Null(result.Config);
        Assert.Contains(result.Errors, e => e.ToString().StartsWith($"{ConfigPath}:{expected}", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_error_is_reported_at_once()
    {
        var result = DaemonConfigLoader.Load("[daemon]\nhost = \"h\"\na = 1\nb = 2\n[c]\n", ConfigPath);

        Assert.Equal(3, result.Errors.Count);
    }

    [Fact]
    public void A_socket_path_longer_than_sun_path_is_an_error_at_runtime_dir()
    {
        string longDir = "/run/" + new string('d', 110);

        var result = DaemonConfigLoader.Load($"[daemon]\nhost = \"h\"\nruntime_dir = \"{longDir}\"\n", ConfigPath);

        ConfigError error = Assert.Single(result.Errors);
        Assert.Equal(new ConfigLocation(ConfigPath, 3, 15), error.Location);
        Assert.Contains("at most 107", error.Message);
    }

    [Fact]
    public void An_unreadable_file_is_an_error_not_an_exception()
    {
        var result = DaemonConfigLoader.LoadFile("/nonexistent/tvd/overlayd.toml");

        ConfigError error = Assert.Single(result.Errors);
        Assert.StartsWith("/nonexistent/tvd/overlayd.toml:1:1: error: cannot read config", error.ToString());
    }

    [Fact]
    public void The_example_config_in_packaging_loads()
    {
        var result = DaemonConfigLoader.LoadFile(Path.Combine(Support.RepoFiles.Root, "packaging", "overlayd.toml"));

        Assert.True(result.Succeeded, string.Join("\n", result.Errors));
        Assert.Equal("host1", result.Config!.Host);
        Assert.Equal("/etc/tvd-overlay/policy.toml", result.Config.PolicyFile);
    }
}
