using System.Text.Json;
using Overlay.Cli.Output;

namespace Overlay.Cli.Graph;

/// <summary><c>tvdctl graph --json</c>: what the picture shows, as data (docs/cli.md, "graph").</summary>
internal static class GraphJson
{
    public static void Write(Utf8JsonWriter w, GraphState state, string? svg, string? png, string? pngProblem, (int Width, int Height) size)
    {
        var palette = new TvdPalette(state.Tvds.Select(t => t.Name));
        w.WriteStartObject();
        w.WriteString("host", state.Host);
        w.WriteStringOrNull("policy", state.Policy);
        w.WriteStringOrNull("svg", svg);
        w.WriteStringOrNull("png", png);
        w.WriteStringOrNull("png_problem", pngProblem);
        w.WriteNumber("width", size.Width);
        w.WriteNumber("height", size.Height);
        w.WriteStartArray("tvds");
        foreach (GraphTvd t in state.Tvds)
        {
            w.WriteStartObject();
            w.WriteString("name", t.Name);
            w.WriteStringOrNull("label", t.Label);
            if (t.Vlan is { } vlan)
            {
                w.WriteNumber("vlan", vlan);
            }
            else
            {
                w.WriteNull("vlan");
            }

            w.WriteStringOrNull("requirement", t.Requirement);
            w.WriteString("colour", palette.Of(t.Name));
            w.WriteEndObject();
        }

        w.WriteEndArray();
        WriteGuests(w, state);
        WritePeers(w, state);
        w.WriteStartArray("refused_joins");
        foreach (GraphRefusal r in state.RefusedJoins)
        {
            w.WriteStartObject();
            w.WriteString("peer", r.Peer);
            w.WriteString("tvd", r.Tvd);
            w.WriteString("by", r.By);
            w.WriteString("reason", r.Reason);
            w.WriteNumber("count", r.Count);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("blocked");
        foreach (GraphBlocked b in state.Blocked)
        {
            w.WriteStartObject();
            w.WriteString("where", b.Where);
            w.WriteStringOrNull("tvd", b.Tvd);
            w.WriteString("reason", b.Reason);
            w.WriteNumber("count", b.Count);
            w.WriteStringOrNull("detail", b.Detail);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteGuests(Utf8JsonWriter w, GraphState state)
    {
        w.WriteStartArray("guests");
        foreach (GraphGuest g in state.Guests)
        {
            w.WriteStartObject();
            w.WriteString("name", g.Name);
            w.WriteStringOrNull("state", g.State);
            w.WriteStringOrNull("problem", g.Problem);
            w.WriteStartArray("ports");
            foreach (GraphGuestPort p in g.Ports)
            {
                w.WriteStartObject();
                w.WriteString("port", p.Port);
                w.WriteStringOrNull("network", p.Network);
                w.WriteStringOrNull("tvd", p.Tvd);
                w.WriteBoolean("refused", p.Refused);
                w.WriteStringOrNull("problem", p.Problem);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void WritePeers(Utf8JsonWriter w, GraphState state)
    {
        w.WriteStartArray("peers");
        foreach (GraphPeer p in state.Peers)
        {
            w.WriteStartObject();
            w.WriteString("name", p.Name);
            w.WriteStringOrNull("address", p.Address);
            w.WriteStringOrNull("last_failure", p.LastFailure);
            w.WriteStartArray("links");
            foreach (GraphLink l in p.Links)
            {
                w.WriteStartObject();
                w.WriteString("tvd", l.Tvd);
                w.WriteString("state", l.State.ToString().ToLowerInvariant());
                w.WriteString("attestation", SvgGraph.AttestationName(l.Attestation));
                if (l.EvidenceAgeS is { } age)
                {
                    w.WriteNumber("evidence_age_s", Math.Round(age));
                }
                else
                {
                    w.WriteNull("evidence_age_s");
                }

                w.WriteStringOrNull("reason", l.Reason);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }
}
