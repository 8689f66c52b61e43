using System.Xml.Linq;
using Overlay.Cli.Graph;

namespace Overlay.Cli.Tests.Graph;

/// <summary>
/// The picture in a real browser: the demo's state composed, rendered by headless Chromium as tvdctl does, and the
/// screenshot looked at — the picture's size, many colours, each TVD's colour and the alarm red drawn — while the SVG's
/// text carries the labels.
/// </summary>
public sealed class ChromiumRenderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("tvdctl-graph-png-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [ChromiumFact]
    public async Task Chromium_draws_the_tvds_colours_and_the_refusal_and_the_svg_holds_the_labels()
    {
        GraphState state = GraphSamples.Demo();
        string svg = SvgGraph.Compose(state);
        string svgFile = Path.Combine(_dir, "topology.svg"), pngFile = Path.Combine(_dir, "topology.png");
        await File.WriteAllTextAsync(svgFile, svg);
        (int width, int height) = SvgGraph.Size(svg);

        string? problem = await PngRenderer.RenderAsync(PngRenderer.Find()!, svgFile, pngFile, width, height, CancellationToken.None);

        Assert.Null(problem);
        PngImage png = PngImage.Read(pngFile);
        Assert.Equal((width, height), (png.Width, png.Height));
        var counts = new Dictionary<(byte, byte, byte), int>();
        for (int y = 0; y < png.Height; y++)
        {
            for (int x = 0; x < png.Width; x++)
            {
                counts[png.At(x, y)] = counts.GetValueOrDefault(png.At(x, y)) + 1;
            }
        }

        // Not blank: the white background is not all, text and shapes bring many colours.
        int white = counts.GetValueOrDefault(((byte)255, (byte)255, (byte)255));
        Assert.True(white < png.Width * png.Height * 0.97, $"{white} of {png.Width * png.Height} pixels are white");
        Assert.True(counts.Count >= 20, $"only {counts.Count} distinct colours");
        var palette = new TvdPalette(state.Tvds.Select(t => t.Name));
        foreach (string colour in new[] { palette.Of("grid"), palette.Of("office"), TvdPalette.Alarm })
        {
            int drawn = Pixels(counts, colour);
            Assert.True(drawn >= 200, $"colour {colour} covers {drawn} pixels");
        }

        // The legend's swatch of grid, where the SVG puts it, is grid's colour in the screenshot.
        XElement swatch = XDocument.Parse(svg).Descendants().Single(e => (string?)e.Attribute("class") == "legend-tvd" && (string?)e.Attribute("data-tvd") == "grid")
            .Elements().First(e => e.Name.LocalName == "rect");
        int sx = (int)swatch.Attribute("x")! + 14, sy = (int)swatch.Attribute("y")! + 7;
        Assert.True(Near(png.At(sx, sy), palette.Of("grid")), $"pixel at the grid swatch ({sx},{sy}) is {png.At(sx, sy)}");

        string text = string.Join("\n", XDocument.Parse(svg).Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value));
        foreach (string label in new[] { "host1", "host2", "host3", "boinc-server", "office1", "grid", "office", "ref.unknown", "17 foreign_tag" })
        {
            Assert.Contains(label, text, StringComparison.Ordinal);
        }
    }

    private static int Pixels(Dictionary<(byte, byte, byte), int> counts, string colour) =>
        counts.Where(c => Near(c.Key, colour)).Sum(c => c.Value);

    /// <summary>Within 4 of each channel: Chromium's colour conversion may round.</summary>
    private static bool Near((byte R, byte G, byte B) pixel, string colour)
    {
        int R(int at) => Convert.ToInt32(colour.Substring(at, 2), 16);
        return Math.Abs(pixel.R - R(1)) <= 4 && Math.Abs(pixel.G - R(3)) <= 4 && Math.Abs(pixel.B - R(5)) <= 4;
    }
}
