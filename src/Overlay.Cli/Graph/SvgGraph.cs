using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Overlay.Cli.Graph;

/// <summary>
/// Draws a <see cref="GraphState"/> as SVG, in layers from left to right: this host (a box holding its guests, each
/// coloured by its TVD), one horizontal line per (peer, TVD) — solid in the TVD's colour when an SA carries it, with
/// its attestation state and evidence age; red, dashed and crossed when the join was refused, with the finding;
/// grey and dotted when allowed but not up — the peer hosts, and the legend. Below: the refused joins and the
/// blocked flows with their counts. Every line is horizontal and has its own row, so nothing crosses at any size
/// (about 10 peers and 30 guests stay readable; the picture grows downwards).
/// Built with <see cref="XElement"/>: every name (they come from configs, policies and peers) is escaped by the XML
/// writer, characters XML cannot hold become U+FFFD, and long texts are cut with their whole text in a
/// <c>&lt;title&gt;</c> (the browser's tooltip). No clock, no randomness, invariant culture: the same state gives the
/// same bytes.
/// </summary>
internal static partial class SvgGraph
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private const int Margin = 20;
    private const int HostX = Margin;
    private const int HostWidth = 330;
    private const int LinkGap = 380;
    private const int PeerX = HostX + HostWidth + LinkGap;
    private const int PeerWidth = 200;
    private const int LegendX = PeerX + PeerWidth + 40;
    private const int LegendWidth = 290;
    private const int Width = LegendX + LegendWidth + Margin;
    private const int Top = 64;
    private const int RowHeight = 40;
    private const int PortHeight = 18;

    /// <summary>The picture's size for a state (what a screenshot's window must be).</summary>
    public static (int Width, int Height) Size(string svg)
    {
        XElement root = XElement.Parse(svg);
        return (int.Parse((string)root.Attribute("width")!, CultureInfo.InvariantCulture), int.Parse((string)root.Attribute("height")!, CultureInfo.InvariantCulture));
    }

    public static string Compose(GraphState state)
    {
        var palette = new TvdPalette(state.Tvds.Select(t => t.Name)
            .Concat(state.Guests.SelectMany(g => g.Ports).Select(p => p.Tvd).OfType<string>())
            .Concat(state.Peers.SelectMany(p => p.Links).Select(l => l.Tvd)));
        var body = new List<XElement>();
        int peersBottom = DrawPeers(state, palette, body);
        int guestsBottom = DrawGuests(state, palette, body);
        int legendBottom = DrawLegend(state, palette, body);
        int hostBottom = Math.Max(Math.Max(peersBottom, guestsBottom), Top + 80);
        body.Insert(0, HostBox(state, hostBottom));
        int bottom = DrawLists(state, Math.Max(hostBottom, legendBottom) + 30, body);
        int height = bottom + Margin;

        var svg = new XElement(Svg + "svg",
            new XAttribute("width", Width), new XAttribute("height", height),
            new XAttribute("viewBox", $"0 0 {Width} {height}"),
            new XAttribute("font-family", "DejaVu Sans, Liberation Sans, Arial, sans-serif"), new XAttribute("font-size", 12),
            new XElement(Svg + "title", Clean($"TVD overlay of host {state.Host}")),
            Rect(0, 0, Width, height, "#ffffff", "none"),
            Text(Margin, 30, $"TVD overlay — host {state.Host}", 18, "bold"),
            Text(Margin, 48, state.Policy is { } p ? $"policy {p}" : "policy: not reported", 12, null, "#555555"));
        svg.Add(body);
        return Serialize(svg);
    }

    /// <summary>The daemon's host: a tall box on the left, the guests inside, each (peer, TVD) line leaving its right edge.</summary>
    private static XElement HostBox(GraphState state, int bottom) =>
        new(Svg + "g", new XAttribute("class", "host"), new XAttribute("data-host", Clean(state.Host)),
            Rect(HostX, Top, HostWidth, bottom - Top + 10, "#f7f7f7", "#333333", 2, 8),
            Text(HostX + 12, Top + 22, Cut(state.Host, 36), 15, "bold", full: state.Host),
            Text(HostX + 12, Top + 38, $"this host · {state.Guests.Count} guest{(state.Guests.Count == 1 ? "" : "s")}", 11, null, "#555555"));

    private static int DrawGuests(GraphState state, TvdPalette palette, List<XElement> body)
    {
        int y = Top + 52;
        foreach (GraphGuest guest in state.Guests)
        {
            int height = 26 + PortHeight * Math.Max(1, guest.Ports.Count) + (guest.Problem is null ? 0 : PortHeight);
            var tvds = guest.Ports.Where(p => !p.Refused && p.Tvd is not null).Select(p => p.Tvd!).Distinct().ToList();
            string stroke = tvds.Count == 1 ? palette.Of(tvds[0]) : tvds.Count == 0 ? TvdPalette.Unknown : "#333333";
            var g = new XElement(Svg + "g", new XAttribute("class", "guest"), new XAttribute("data-guest", Clean(guest.Name)),
                new XAttribute("data-tvd", Clean(string.Join(" ", tvds))),
                Rect(HostX + 12, y, HostWidth - 24, height, tvds.Count == 1 ? TvdPalette.Light(stroke) : "#ffffff", stroke, 2, 6),
                Text(HostX + 22, y + 17, Cut(guest.Name, 30), 13, "bold", full: guest.Name),
                Text(HostX + HostWidth - 22, y + 17, Cut(guest.State ?? "", 12), 11, null, "#555555", anchor: "end"));
            int py = y + 17 + PortHeight;
            foreach (GraphGuestPort port in guest.Ports)
            {
                g.Add(PortLine(port, palette, py));
                py += PortHeight;
            }

            if (guest.Problem is { } problem)
            {
                g.Add(Text(HostX + 22, py, "✗ " + Cut(problem, 44), 11, null, TvdPalette.Alarm, full: problem));
            }

            body.Add(g);
            y += height + 8;
        }

        return y;
    }

    private static XElement PortLine(GraphGuestPort port, TvdPalette palette, int y)
    {
        string colour = port.Refused ? TvdPalette.Alarm : palette.Of(port.Tvd);
        string text = port.Refused
            ? $"✗ {port.Port} on {port.Network}: {port.Problem ?? "refused"}"
            : $"{port.Tvd ?? "?"} · {port.Network} · port {port.Port}";
        return new XElement(Svg + "g", new XAttribute("class", port.Refused ? "port refused" : "port"),
            new XAttribute("data-tvd", Clean(port.Tvd ?? "")),
            new XElement(Svg + "circle", new XAttribute("cx", HostX + 28), new XAttribute("cy", y - 4), new XAttribute("r", 5),
                new XAttribute("fill", colour)),
            Text(HostX + 40, y, Cut(text, 42), 11, null, port.Refused ? TvdPalette.Alarm : "#222222", full: text));
    }

    /// <summary>The peers in a column on the right, one row per (peer, TVD), each row's line straight from the host's edge.</summary>
    private static int DrawPeers(GraphState state, TvdPalette palette, List<XElement> body)
    {
        int y = Top + 10;
        foreach (GraphPeer peer in state.Peers)
        {
            int rows = Math.Max(1, peer.Links.Count);
            int height = 34 + RowHeight * rows;
            var g = new XElement(Svg + "g", new XAttribute("class", "peer"), new XAttribute("data-peer", Clean(peer.Name)),
                Rect(PeerX, y, PeerWidth, height, "#f7f7f7", "#333333", 2, 8),
                Text(PeerX + 12, y + 20, Cut(peer.Name, 24), 14, "bold", full: peer.Name),
                Text(PeerX + 12, y + 34, Cut(peer.Address ?? "", 30), 11, null, "#555555"));
            body.Add(g);
            int row = y + 34 + RowHeight / 2 + 4;
            foreach (GraphLink link in peer.Links)
            {
                var blocked = state.Blocked.Where(b => b.Where == $"peer {peer.Name}" && b.Tvd == link.Tvd).ToList();
                body.Add(Link(peer, link, blocked, palette, row));
                g.Add(Rect(PeerX, row - 7, 10, 14, palette.Of(link.Tvd), "none"),
                    Text(PeerX + 16, row + 4, Cut(link.Tvd, 22), 12, null, "#222222", full: link.Tvd));
                row += RowHeight;
            }

            if (peer.Links.Count == 0)
            {
                g.Add(Text(PeerX + 12, row + 4, peer.LastFailure is { } f ? $"no TVD · last failure {f}" : "no TVD", 11, null, "#555555"));
            }

            y += height + 14;
        }

        return y;
    }

    private static XElement Link(GraphPeer peer, GraphLink link, List<GraphBlocked> blocked, TvdPalette palette, int y)
    {
        const int x1 = HostX + HostWidth, x2 = PeerX;
        string colour = link.State switch
        {
            LinkState.Up => palette.Of(link.Tvd),
            LinkState.Refused => TvdPalette.Alarm,
            _ => "#aaaaaa",
        };
        var line = new XElement(Svg + "line", new XAttribute("x1", x1), new XAttribute("y1", y), new XAttribute("x2", x2), new XAttribute("y2", y),
            new XAttribute("stroke", colour), new XAttribute("stroke-width", link.State == LinkState.Up ? 4 : 2));
        if (link.State != LinkState.Up)
        {
            line.Add(new XAttribute("stroke-dasharray", link.State == LinkState.Refused ? "8 5" : "2 4"));
        }

        string label = LinkLabel(link);
        var g = new XElement(Svg + "g",
            new XAttribute("class", $"link {link.State.ToString().ToLowerInvariant()}"),
            new XAttribute("data-peer", Clean(peer.Name)), new XAttribute("data-tvd", Clean(link.Tvd)),
            new XAttribute("data-attestation", AttestationName(link.Attestation)),
            line,
            Rect(x1 - 5, y - 7, 10, 14, palette.Of(link.Tvd), "none"),
            Text(x1 + 14, y - 6, Cut(label, 56), 11, link.State == LinkState.Up ? "bold" : null,
                link.State == LinkState.Refused ? TvdPalette.Alarm : "#222222", full: label));
        var below = new List<string>();
        if (link.State == LinkState.Refused)
        {
            g.Add(Text(x2 - 22, y + 6, "✗", 18, "bold", TvdPalette.Alarm, anchor: "middle"));
            below.Add(Finding(link.Reason ?? "denied"));
        }

        if (blocked.Count > 0)
        {
            below.Add("⊘ blocked: " + string.Join(", ", blocked.Select(b => $"{b.Count} {b.Reason}")));
        }

        if (below.Count > 0)
        {
            string text = string.Join(" · ", below);
            g.Add(Text(x1 + 14, y + 16, Cut(text, 52), 11, "bold", TvdPalette.Alarm, full: text));
        }

        return g;
    }

    private static string LinkLabel(GraphLink link)
    {
        string age = link.EvidenceAgeS is { } s ? string.Create(CultureInfo.InvariantCulture, $", evidence {s:0} s old") : "";
        return link.State switch
        {
            LinkState.Up => link.Attestation switch
            {
                LinkAttestation.Attested => $"{link.Tvd}: CHILD_SA up · attested{age}",
                LinkAttestation.Refused => $"{link.Tvd}: CHILD_SA up · attestation no longer met{age}",
                LinkAttestation.Static => $"{link.Tvd}: static SAs · not attested",
                _ => $"{link.Tvd}: CHILD_SA up · attestation not required",
            },
            LinkState.Refused => $"{link.Tvd}: join refused — {link.Reason ?? "denied"}",
            _ => $"{link.Tvd}: allowed, no SA up",
        };
    }

    /// <summary>What a refusal's reason ends with — the verifier's finding (<c>ref.unknown /usr/bin/x</c>) — or the whole reason.</summary>
    private static string Finding(string reason)
    {
        int last = reason.LastIndexOf(": ", StringComparison.Ordinal);
        return last >= 0 && reason.Length - last - 2 >= 8 ? reason[(last + 2)..] : reason;
    }

    public static string AttestationName(LinkAttestation attestation) => attestation switch
    {
        LinkAttestation.Attested => "attested",
        LinkAttestation.Refused => "refused",
        LinkAttestation.Static => "static",
        _ => "not_required",
    };

    private static string Serialize(XElement svg)
    {
        var settings = new XmlWriterSettings
        {
            Encoding = new UTF8Encoding(false),
            Indent = true,
            IndentChars = " ",
            NewLineChars = "\n",
            NewLineHandling = NewLineHandling.Replace,
        };
        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, settings))
        {
            new XDocument(new XDeclaration("1.0", "utf-8", null), svg).Save(writer);
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }
}
