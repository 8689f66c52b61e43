using Overlay.Daemon.Configuration;
using Overlay.Daemon.Hosting;

namespace Overlay.Daemon.Tests.Hosting;

public sealed class DaemonArgumentsTests
{
    [Fact]
    public void No_arguments_use_the_default_config()
    {
        Assert.Equal(DaemonConfig.DefaultConfigFile, DaemonArguments.Parse([], out _)!.ConfigFile);
    }

    [Theory]
    [InlineData("--config", "/x/o.toml")]
    [InlineData("-c", "/x/o.toml")]
    [InlineData("--config=/x/o.toml")]
    public void Config_path_is_taken_in_every_spelling(params string[] args)
    {
        Assert.Equal("/x/o.toml", DaemonArguments.Parse(args, out _)!.ConfigFile);
    }

    [Theory]
    [InlineData("--config")]
    [InlineData("--frobnicate")]
    [InlineData("policy.toml")]
    public void Bad_arguments_are_refused_with_a_reason(params string[] args)
    {
        Assert.Null(DaemonArguments.Parse(args, out string? error));
        Assert.False(string.IsNullOrEmpty(error));
    }
}
