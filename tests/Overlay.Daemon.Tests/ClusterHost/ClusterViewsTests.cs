using System.Text;
using System.Text.Json;
using Overlay.Daemon.ClusterHost;
using Overlay.Daemon.Configuration;
using Overlay.Daemon.Control;

namespace Overlay.Daemon.Tests.ClusterHost;

/// <summary>Files mode: the <c>cluster</c> status section says so, and the <c>hosts</c> verb refuses with a reason.</summary>
public sealed class ClusterViewsTests
{
    private static readonly DaemonConfig FilesMode = DaemonConfigLoader.Load("[daemon]\nhost = \"h1\"\n", "/etc/tvd-overlay/overlayd.toml").Config!;

    [Fact]
    public void In_files_mode_the_status_section_is_disabled_and_the_hosts_verb_refuses()
    {
        var state = new ClusterState();
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            new ClusterStatusSection(FilesMode, state).Write(writer);
        }

        Assert.Equal("{\"enabled\":false}", Encoding.UTF8.GetString(buffer.ToArray()));
        using var request = JsonDocument.Parse("{\"verb\":\"hosts\"}");
        using var reply = new Utf8JsonWriter(new MemoryStream());
        var refused = Assert.Throws<ControlRequestException>(() => new HostsVerb(FilesMode, state).WriteReply(request.RootElement, reply));
        Assert.Equal("hosts: this daemon is not in cluster mode (no [cluster] in its config)", refused.Message);
    }
}
