using System.Text.Json;
using System.Xml.Linq;
using Overlay.Cli.Graph;

namespace Overlay.Cli.Tests.Graph;

/// <summary><c>tvdctl graph</c> against a real tvd-overlayd started on examples/policy.toml (no data plane, no IKE: a host alone).</summary>
public sealed class GraphCommandTests() : ExampleDaemonTests("tvdctl-graph-")
{
    [Fact]
    public void Writes_the_svg_with_the_host_and_the_policys_tvds_and_says_when_no_converter_is_found()
    {
        StartDaemon();
        string svg = Path.Combine(Dir, "out.svg"), png = Path.Combine(Dir, "out.png");

        var r = CliRunner.RunWith(new Dictionary<string, string> { ["TVDCTL_CHROMIUM"] = Path.Combine(Dir, "no-such-chromium") },
            "graph", "-o", svg, "--png", png, "--socket", Socket);

        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith($"wrote {svg}: host host2, 0 peers, 0 guests, 3 TVDs", r.StdOut, StringComparison.Ordinal);
        Assert.Contains("no SVG-to-PNG converter found", r.StdErr, StringComparison.Ordinal);
        Assert.False(File.Exists(png));
        XDocument picture = XDocument.Load(svg);
        var tvds = picture.Descendants().Where(e => (string?)e.Attribute("class") == "legend-tvd").Select(e => (string?)e.Attribute("data-tvd")).ToList();
        Assert.Equal(["blue", "green", "red"], tvds);
        Assert.Contains(picture.Descendants().Where(e => e.Name.LocalName == "text"), t => t.Value == "TVD overlay — host host2");
    }

    [Fact]
    public void Json_is_what_the_picture_shows_and_stdout_without_o_is_the_svg()
    {
        StartDaemon();

        var json = CliRunner.Run("graph", "--json", "--socket", Socket);
        var bare = CliRunner.Run("graph", "--socket", Socket);

        Assert.Equal(0, json.ExitCode);
        using var doc = JsonDocument.Parse(json.StdOut);
        Assert.Equal("host2", doc.RootElement.GetProperty("host").GetString());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("svg").ValueKind);
        var palette = new TvdPalette(["red", "blue", "green"]);
        foreach (JsonElement tvd in doc.RootElement.GetProperty("tvds").EnumerateArray())
        {
            Assert.Equal(palette.Of(tvd.GetProperty("name").GetString()), tvd.GetProperty("colour").GetString());
        }

        Assert.Equal(0, doc.RootElement.GetProperty("peers").GetArrayLength());
        Assert.Equal(0, bare.ExitCode);
        Assert.StartsWith("<?xml", bare.StdOut, StringComparison.Ordinal);
        XDocument.Parse(bare.StdOut);
    }

    [ChromiumFact]
    public void Png_is_rendered_by_headless_chromium_at_the_pictures_size()
    {
        StartDaemon();
        string svg = Path.Combine(Dir, "out.svg"), png = Path.Combine(Dir, "out.png");

        var r = CliRunner.Run("graph", "-o", svg, "--png", png, "--socket", Socket, "--json");

        Assert.True(r.ExitCode == 0, r.All);
        using var doc = JsonDocument.Parse(r.StdOut);
        Assert.Equal(png, doc.RootElement.GetProperty("png").GetString());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("png_problem").ValueKind);
        PngImage image = PngImage.Read(png);
        Assert.Equal((doc.RootElement.GetProperty("width").GetInt32(), doc.RootElement.GetProperty("height").GetInt32()), (image.Width, image.Height));
    }

    [Fact]
    public void No_daemon_is_exit_2_with_one_line_and_no_file()
    {
        string svg = Path.Combine(Dir, "out.svg");

        var r = CliRunner.Run("graph", "-o", svg, "--socket", Path.Combine(Dir, "none.sock"));

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("tvd-overlayd is not running", r.StdErr, StringComparison.Ordinal);
        Assert.Equal("", r.StdOut);
        Assert.False(File.Exists(svg));
    }
}
