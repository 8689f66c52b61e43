using System.Xml.Linq;
using Overlay.Cli.Graph;

namespace Overlay.Cli.Tests.Graph;

/// <summary>The SVG of a state: well-formed, every name escaped, one colour per TVD, refusals and blocked flows marked, same bytes for the same state.</summary>
public sealed class SvgGraphTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    [Fact]
    public void Draws_hosts_guests_tvds_links_and_lists_as_text()
    {
        XDocument svg = XDocument.Parse(SvgGraph.Compose(GraphSamples.Demo()));
        string text = string.Join("\n", svg.Descendants(Svg + "text").Select(t => t.Nodes().OfType<XText>().FirstOrDefault()?.Value));
        foreach (string label in (string[])["host1", "host2", "host3", "boinc-server", "office1", "grid", "office", "policy demo v1"])
        {
            Assert.Contains(label, text);
        }

        Assert.Contains("grid: CHILD_SA up · attested, evidence 4 s old", text);
        Assert.Contains("office: CHILD_SA up · attestation not required", text);
        Assert.Contains("grid: join refused — host host3 does not meet", text);
        Assert.Contains("ref.unknown /usr/bin/x", text); // the finding itself, shown under the line
        Assert.Contains("host1 refused host3 for grid (3×)", text);
        Assert.Equal("1.0", svg.Declaration!.Version);
        Assert.Equal("svg", svg.Root!.Name.LocalName);
    }

    [Fact]
    public void A_refused_join_is_a_red_dashed_crossed_line_with_the_finding()
    {
        XDocument svg = XDocument.Parse(SvgGraph.Compose(GraphSamples.Demo()));
        XElement refused = svg.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "link refused");
        Assert.Equal("host3", (string?)refused.Attribute("data-peer"));
        Assert.Equal("grid", (string?)refused.Attribute("data-tvd"));
        Assert.Equal("refused", (string?)refused.Attribute("data-attestation"));
        XElement line = refused.Element(Svg + "line")!;
        Assert.Equal(TvdPalette.Alarm, (string?)line.Attribute("stroke"));
        Assert.NotNull(line.Attribute("stroke-dasharray"));
        Assert.Contains(refused.Elements(Svg + "text"), t => t.Value == "✗");
        // The finding in full, even where the label is cut: the tooltip.
        Assert.Contains(refused.Descendants(Svg + "title"), t => t.Value.Contains("ref.unknown /usr/bin/x", StringComparison.Ordinal));
        XElement list = svg.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "refused-join");
        Assert.Contains("ref.unknown /usr/bin/x", list.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void Blocked_flows_are_marked_on_their_link_and_listed_with_counts()
    {
        XDocument svg = XDocument.Parse(SvgGraph.Compose(GraphSamples.Demo()));
        XElement link = svg.Descendants(Svg + "g").Single(g => (string?)g.Attribute("data-peer") == "host2" && (string?)g.Attribute("data-tvd") == "office" &&
            ((string?)g.Attribute("class"))!.StartsWith("link", StringComparison.Ordinal));
        Assert.Contains(link.Elements(Svg + "text"), t => t.Value.StartsWith("⊘ blocked: 17 foreign_tag", StringComparison.Ordinal) &&
            (string?)t.Attribute("fill") == TvdPalette.Alarm);
        var listed = svg.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "blocked").Select(g => g.Value).ToList();
        Assert.Contains(listed, l => l.Contains("peer host2 (office): 17 frames dropped, foreign_tag", StringComparison.Ordinal));
        Assert.Contains(listed, l => l.Contains("port h1rogue refused", StringComparison.Ordinal));
        XElement heading = svg.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "blocked-flows").Elements(Svg + "text").First();
        Assert.Equal("Blocked flows (17 frames dropped, 1 port refused)", heading.Value);
    }

    [Fact]
    public void Guests_links_and_legend_take_their_tvds_colour_and_tvds_differ()
    {
        GraphState state = GraphSamples.Demo();
        var palette = new TvdPalette(state.Tvds.Select(t => t.Name));
        XDocument svg = XDocument.Parse(SvgGraph.Compose(state));
        Assert.NotEqual(palette.Of("grid"), palette.Of("office"));
        foreach (string tvd in (string[])["grid", "office"])
        {
            XElement legend = svg.Descendants(Svg + "g").Single(g => (string?)g.Attribute("class") == "legend-tvd" && (string?)g.Attribute("data-tvd") == tvd);
            Assert.Equal(palette.Of(tvd), (string?)legend.Element(Svg + "rect")!.Attribute("fill"));
            XElement up = svg.Descendants(Svg + "g").First(g => (string?)g.Attribute("class") == "link up" && (string?)g.Attribute("data-tvd") == tvd);
            Assert.Equal(palette.Of(tvd), (string?)up.Element(Svg + "line")!.Attribute("stroke"));
        }

        XElement server = svg.Descendants(Svg + "g").Single(g => (string?)g.Attribute("data-guest") == "boinc-server");
        Assert.Equal(palette.Of("grid"), (string?)server.Element(Svg + "rect")!.Attribute("stroke"));
        Assert.Equal(TvdPalette.Light(palette.Of("grid")), (string?)server.Element(Svg + "rect")!.Attribute("fill"));
        XElement rogue = svg.Descendants(Svg + "g").Single(g => (string?)g.Attribute("data-guest") == "rogue");
        Assert.Contains(rogue.Descendants(Svg + "circle"), c => (string?)c.Attribute("fill") == TvdPalette.Alarm);
    }

    [Fact]
    public void A_tvds_colour_depends_on_its_name_not_on_the_other_tvds()
    {
        // Alone or among others (without a collision), a TVD keeps its colour; colliding names are told apart.
        var alone = new TvdPalette(["grid"]);
        var together = new TvdPalette(["office", "grid", "red"]);
        Assert.Equal(alone.Of("grid"), together.Of("grid"));
        var many = new TvdPalette(Enumerable.Range(0, 12).Select(i => $"t{i}"));
        Assert.Equal(12, Enumerable.Range(0, 12).Select(i => many.Of($"t{i}")).Distinct().Count());
        Assert.Equal(TvdPalette.Unknown, many.Of("nope"));
        var beyond = new TvdPalette(Enumerable.Range(0, 20).Select(i => $"t{i}"));
        Assert.All(Enumerable.Range(0, 20), i => Assert.Matches("^#[0-9a-f]{6}$", beyond.Of($"t{i}")));
    }

    [Fact]
    public void Names_with_markup_and_control_characters_are_escaped_not_interpreted()
    {
        const string evil = "<script>alert(1)</script>&\"'\u0001]]>";
        var state = new GraphState(evil, $"p{evil} v1", [new GraphTvd(evil, evil, 1, evil)],
            [new GraphGuest(evil, evil, [new GraphGuestPort(evil, evil, evil, false, null), new GraphGuestPort("p2", evil, null, true, evil)], evil)],
            [new GraphPeer(evil, evil, [new GraphLink(evil, LinkState.Refused, LinkAttestation.Refused, null, evil)], evil)],
            [new GraphRefusal(evil, evil, "peer", evil, 1)], [new GraphBlocked(evil, evil, "foreign_tag", 2, evil)]);
        string text = SvgGraph.Compose(state);
        XDocument svg = XDocument.Parse(text); // well-formed despite everything
        Assert.DoesNotContain(svg.Descendants(), e => e.Name.LocalName == "script");
        Assert.DoesNotContain("<script>", text, StringComparison.Ordinal);
        Assert.DoesNotContain('\u0001', text);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;&amp;", text, StringComparison.Ordinal);
        string cleaned = evil.Replace('\u0001', '\uFFFD');
        Assert.Contains(svg.Descendants(Svg + "g"), g => (string?)g.Attribute("data-guest") == cleaned);
        Assert.Contains(svg.Descendants(Svg + "text"), t => t.Value.Contains(cleaned[..20], StringComparison.Ordinal));
    }

    [Fact]
    public void The_same_state_gives_the_same_bytes()
    {
        string first = SvgGraph.Compose(GraphSamples.Demo());
        string second = SvgGraph.Compose(GraphSamples.Demo());
        Assert.Equal(first, second);
        Assert.DoesNotContain('\r', first);
        // A changed state changes the picture.
        GraphState changed = GraphSamples.Demo() with { Host = "host9" };
        Assert.NotEqual(first, SvgGraph.Compose(changed));
    }

    [Fact]
    public void Ten_peers_and_thirty_guests_fit_without_overlapping_rows()
    {
        var tvds = new[] { "grid", "office", "red", "blue" };
        var state = new GraphState("h0", null, [.. tvds.Select(t => new GraphTvd(t, "tvd:" + t, 100, null))],
            [.. Enumerable.Range(0, 30).Select(i => new GraphGuest($"guest{i:00}", "running",
                [new GraphGuestPort($"p{i}", "net", tvds[i % 4], false, null)], null))],
            [.. Enumerable.Range(1, 10).Select(i => new GraphPeer($"h{i}", $"10.0.0.{i}",
                [.. tvds.Select(t => new GraphLink(t, LinkState.Up, LinkAttestation.NotRequired, null, null))], null))], [], []);
        XDocument svg = XDocument.Parse(SvgGraph.Compose(state));
        var lines = svg.Descendants(Svg + "g").Where(g => ((string?)g.Attribute("class"))?.StartsWith("link", StringComparison.Ordinal) == true)
            .Select(g => int.Parse((string)g.Element(Svg + "line")!.Attribute("y1")!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(40, lines.Count);
        Assert.Equal(40, lines.Distinct().Count());
        Assert.All(lines.Order().Zip(lines.Order().Skip(1)), pair => Assert.True(pair.Second - pair.First >= 30, $"rows {pair.First} and {pair.Second} too close"));
        var guestTops = svg.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "guest")
            .Select(g => (Y: int.Parse((string)g.Element(Svg + "rect")!.Attribute("y")!), H: int.Parse((string)g.Element(Svg + "rect")!.Attribute("height")!))).ToList();
        Assert.Equal(30, guestTops.Count);
        Assert.All(guestTops.Zip(guestTops.Skip(1)), p => Assert.True(p.First.Y + p.First.H < p.Second.Y));
        (int width, int height) = SvgGraph.Size(svg.ToString());
        Assert.True(height > guestTops[^1].Y + guestTops[^1].H, "the picture holds its last guest");
        Assert.True(width <= 1400 && height <= 2600, $"{width}x{height}");
    }
}
