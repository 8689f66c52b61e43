using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Overlay.Cli.Graph;

/// <summary>The legend, the lists under the picture, and the small builders every part uses.</summary>
internal static partial class SvgGraph
{
    private static int DrawLegend(GraphState state, TvdPalette palette, List<XElement> body)
    {
        int y = Top + 10;
        var g = new XElement(Svg + "g", new XAttribute("class", "legend"), Text(LegendX, y + 4, "TVDs", 13, "bold"));
        y += 22;
        foreach (GraphTvd tvd in state.Tvds)
        {
            string detail = string.Join(" · ", new[]
            {
                tvd.Vlan is { } v ? $"vlan {v}" : null,
                tvd.Requirement is { } r ? $"requires {r}" : "no attestation",
            }.OfType<string>());
            g.Add(new XElement(Svg + "g", new XAttribute("class", "legend-tvd"), new XAttribute("data-tvd", Clean(tvd.Name)),
                new XAttribute("data-colour", palette.Of(tvd.Name)),
                Rect(LegendX, y - 10, 28, 14, palette.Of(tvd.Name), "none", 0, 3),
                Text(LegendX + 36, y + 1, Cut(tvd.Name, 30), 12, "bold", full: tvd.Name),
                Text(LegendX + 36, y + 15, Cut(detail, 40), 10, null, "#555555", full: detail)));
            y += 34;
        }

        y += 8;
        g.Add(Text(LegendX, y, "Lines", 13, "bold"));
        y += 20;
        (string Stroke, string? Dash, int Width, string Text)[] styles =
        [
            ("#555555", null, 4, "SA up (TVD's colour)"),
            (TvdPalette.Alarm, "8 5", 2, "join refused ✗ (finding)"),
            ("#aaaaaa", "2 4", 2, "allowed, no SA up"),
        ];
        foreach (var style in styles)
        {
            var line = new XElement(Svg + "line", new XAttribute("x1", LegendX), new XAttribute("y1", y - 4), new XAttribute("x2", LegendX + 28),
                new XAttribute("y2", y - 4), new XAttribute("stroke", style.Stroke), new XAttribute("stroke-width", style.Width));
            if (style.Dash is { } dash)
            {
                line.Add(new XAttribute("stroke-dasharray", dash));
            }

            g.Add(line, Text(LegendX + 36, y, style.Text, 11, null, "#222222"));
            y += 18;
        }

        g.Add(Text(LegendX, y, "⊘ blocked flow (frames dropped)", 11, "bold", TvdPalette.Alarm));
        body.Add(g);
        return y + 10;
    }

    /// <summary>Refused joins and blocked flows, one line each, under the picture.</summary>
    private static int DrawLists(GraphState state, int y, List<XElement> body)
    {
        var refusals = new XElement(Svg + "g", new XAttribute("class", "refused-joins"),
            Text(Margin, y, $"Refused joins ({state.RefusedJoins.Count})", 13, "bold", state.RefusedJoins.Count > 0 ? TvdPalette.Alarm : "#222222"));
        y += 18;
        foreach (GraphRefusal r in state.RefusedJoins)
        {
            string who = r.By == "peer" ? $"{r.Peer} refused {state.Host}" : $"{state.Host} refused {r.Peer}";
            string text = $"✗ {who} for {r.Tvd}{(r.Count > 1 ? $" ({r.Count}×)" : "")}: {r.Reason}";
            refusals.Add(new XElement(Svg + "g", new XAttribute("class", "refused-join"), new XAttribute("data-peer", Clean(r.Peer)),
                new XAttribute("data-tvd", Clean(r.Tvd)), Text(Margin + 8, y, Cut(text, 180), 11, null, TvdPalette.Alarm, full: text)));
            y += 16;
        }

        if (state.RefusedJoins.Count == 0)
        {
            refusals.Add(Text(Margin + 8, y, "none", 11, null, "#555555"));
            y += 16;
        }

        y += 12;
        long total = state.Blocked.Sum(b => b.Count);
        var blocked = new XElement(Svg + "g", new XAttribute("class", "blocked-flows"),
            Text(Margin, y, $"Blocked flows ({Plural(total, "frame")} dropped, {Plural(state.Blocked.Count(b => b.Reason == "refused_port"), "port")} refused)", 13, "bold",
                state.Blocked.Count > 0 ? TvdPalette.Alarm : "#222222"));
        y += 18;
        foreach (GraphBlocked b in state.Blocked)
        {
            string text = b.Reason == "refused_port"
                ? $"⊘ {b.Where} refused: {b.Detail}"
                : $"⊘ {b.Where}{(b.Tvd is { } t ? $" ({t})" : "")}: {b.Count} frames dropped, {b.Reason}";
            blocked.Add(new XElement(Svg + "g", new XAttribute("class", "blocked"), new XAttribute("data-reason", b.Reason),
                Text(Margin + 8, y, Cut(text, 180), 11, null, TvdPalette.Alarm, full: text)));
            y += 16;
        }

        if (state.Blocked.Count == 0)
        {
            blocked.Add(Text(Margin + 8, y, "none", 11, null, "#555555"));
            y += 16;
        }

        body.Add(refusals);
        body.Add(blocked);
        return y;
    }

    private static string Plural(long n, string noun) => $"{n} {noun}{(n == 1 ? "" : "s")}";

    private static XElement Rect(int x, int y, int width, int height, string fill, string stroke, int strokeWidth = 1, int radius = 0)
    {
        var rect = new XElement(Svg + "rect", new XAttribute("x", x), new XAttribute("y", y), new XAttribute("width", width),
            new XAttribute("height", height), new XAttribute("fill", fill));
        if (stroke != "none")
        {
            rect.Add(new XAttribute("stroke", stroke), new XAttribute("stroke-width", strokeWidth));
        }

        if (radius > 0)
        {
            rect.Add(new XAttribute("rx", radius));
        }

        return rect;
    }

    /// <summary>A text; with <paramref name="full"/> longer than what is shown, the whole text as its tooltip.</summary>
    private static XElement Text(int x, int y, string text, int size, string? weight = null, string? fill = null, string? anchor = null, string? full = null)
    {
        var element = new XElement(Svg + "text", new XAttribute("x", x), new XAttribute("y", y));
        if (size != 12)
        {
            element.Add(new XAttribute("font-size", size.ToString(CultureInfo.InvariantCulture)));
        }

        if (weight is not null)
        {
            element.Add(new XAttribute("font-weight", weight));
        }

        if (fill is not null)
        {
            element.Add(new XAttribute("fill", fill));
        }

        if (anchor is not null)
        {
            element.Add(new XAttribute("text-anchor", anchor));
        }

        if (full is not null && full != text)
        {
            element.Add(new XElement(Svg + "title", Clean(full)));
        }

        element.Add(Clean(text));
        return element;
    }

    /// <summary>At most <paramref name="max"/> characters (text elements, not UTF-16 units), ending in … when cut.</summary>
    private static string Cut(string text, int max)
    {
        var info = new StringInfo(text);
        return info.LengthInTextElements <= max ? text : info.SubstringByTextElements(0, max - 1) + "…";
    }

    /// <summary>
    /// Text an XML document can hold: characters XML 1.0 forbids (control characters, lone surrogates) become U+FFFD.
    /// The XML writer escapes the rest (&lt; &amp; &quot; ...).
    /// </summary>
    public static string Clean(string text)
    {
        StringBuilder? clean = null;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            bool pair = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
            if (pair)
            {
                clean?.Append(c).Append(text[i + 1]);
                i++;
                continue;
            }

            bool ok = XmlConvert.IsXmlChar(c);
            if (!ok && clean is null)
            {
                clean = new StringBuilder(text.Length).Append(text, 0, i);
            }

            clean?.Append(ok ? c : '\uFFFD');
        }

        return clean?.ToString() ?? text;
    }
}
