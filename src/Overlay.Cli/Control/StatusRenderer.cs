using System.Globalization;
using System.Text.Json;

namespace Overlay.Cli.Control;

/// <summary>
/// Prints the daemon's status document for people. Known sections (daemon, policy, engine, ike, cluster) get a layout;
/// sections added by later daemon versions are printed generically, so an older tvdctl still shows them.
/// </summary>
internal static partial class StatusRenderer
{
    public static void Write(JsonElement status, TextWriter o)
    {
        foreach (JsonProperty section in status.EnumerateObject())
        {
            switch (section.Name)
            {
                case "daemon":
                    WriteDaemon(section.Value, o);
                    break;
                case "policy":
                    WritePolicy(section.Value, o);
                    break;
                case "engine":
                    WriteEngine(section.Value, o);
                    break;
                case "ike":
                    WriteIke(section.Value, o);
                    break;
                case "cluster":
                    WriteCluster(section.Value, o);
                    break;
                default:
                    o.WriteLine($"{section.Name}:");
                    WriteGeneric(section.Value, o, "  ");
                    break;
            }

            o.WriteLine();
        }
    }

    private static void WriteDaemon(JsonElement d, TextWriter o)
    {
        o.WriteLine($"tvd-overlayd {Str(d, "version")}  pid {Raw(d, "pid")}  up {Uptime(d)}");
        o.WriteLine($"host:        {Str(d, "host")}");
        o.WriteLine($"config:      {Str(d, "config")}");
        o.WriteLine($"socket:      {Str(d, "control_socket")}");
    }

    private static void WritePolicy(JsonElement p, TextWriter o)
    {
        o.WriteLine($"policy:      {Str(p, "name")} version {Raw(p, "version")} ({Str(p, "source")}, loaded {Time(p, "loaded_at")})");
        if (p.TryGetProperty("host", out JsonElement host))
        {
            string types = host.TryGetProperty("all_types", out JsonElement all) && all.ValueKind == JsonValueKind.True
                ? "* (every type)"
                : Join(host, "types");
            o.WriteLine($"this host:   {Str(host, "name")} may run {types}");
        }

        if (p.TryGetProperty("counts", out JsonElement counts))
        {
            o.WriteLine("contents:    " + string.Join(", ", counts.EnumerateObject().Select(c => $"{c.Value} {c.Name.Replace('_', ' ')}")));
        }

        WriteLastReload(p, o);
        if (p.TryGetProperty("tvds", out JsonElement tvds) && tvds.ValueKind == JsonValueKind.Array)
        {
            o.WriteLine();
            Table.Write(o, ["TVD", "VLAN", "LABEL", "TYPE"],
                tvds.EnumerateArray().Select(t => new[] { Str(t, "name"), Raw(t, "vlan"), Str(t, "label"), Str(t, "type") }));
        }
    }

    private static void WriteLastReload(JsonElement p, TextWriter o)
    {
        if (!p.TryGetProperty("last_reload", out JsonElement r) || r.ValueKind != JsonValueKind.Object)
        {
            o.WriteLine("last reload: none since start");
            return;
        }

        bool committed = r.TryGetProperty("committed", out JsonElement c) && c.ValueKind == JsonValueKind.True;
        if (committed)
        {
            o.WriteLine($"last reload: committed at {Time(r, "at")}: {Str(r, "summary")}");
            return;
        }

        // The summary repeats the problems; the list below is easier to read.
        string candidate = Raw(r, "to_version") is "null" or "?" ? "candidate did not load" : $"candidate version {Raw(r, "to_version")}";
        o.WriteLine($"last reload: REFUSED at {Time(r, "at")} ({candidate}); still enforcing version {Raw(r, "from_version")}:");
        if (r.TryGetProperty("problems", out JsonElement problems) && problems.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement problem in problems.EnumerateArray())
            {
                o.WriteLine($"             {problem.GetString()}");
            }
        }
    }

    private static void WriteEngine(JsonElement e, TextWriter o)
    {
        var running = Rows(e, "running", "guest", "host");
        var bindings = Rows(e, "bindings", "guest", "resource");
        if (running.Count == 0)
        {
            o.WriteLine("running guests: none");
        }
        else
        {
            Table.Write(o, ["GUEST", "HOST"], running);
        }

        if (bindings.Count == 0)
        {
            o.WriteLine("bindings:       none");
        }
        else
        {
            o.WriteLine();
            Table.Write(o, ["GUEST", "BOUND TO"], bindings);
        }
    }

    /// <summary>
    /// Sections without a layout of their own: scalars as <c>name: value</c>, objects indented, arrays of
    /// objects as a table (one column per scalar field), arrays of scalars joined on one line.
    /// </summary>
    private static void WriteGeneric(JsonElement value, TextWriter o, string indent)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            o.WriteLine(indent + Scalar(value));
            return;
        }

        foreach (JsonProperty property in value.EnumerateObject())
        {
            JsonElement v = property.Value;
            if (v.ValueKind == JsonValueKind.Object)
            {
                o.WriteLine($"{indent}{property.Name}:");
                WriteGeneric(v, o, indent + "  ");
            }
            else if (v.ValueKind == JsonValueKind.Array && v.EnumerateArray().Any(i => i.ValueKind == JsonValueKind.Object))
            {
                o.WriteLine($"{indent}{property.Name}:");
                WriteObjectTable(v, o, indent + "  ");
            }
            else if (v.ValueKind == JsonValueKind.Array)
            {
                string items = string.Join(", ", v.EnumerateArray().Select(Scalar));
                o.WriteLine($"{indent}{property.Name}: {(items.Length == 0 ? "none" : items)}");
            }
            else
            {
                // Multi-line strings (a PEM key) keep their lines, indented under the name.
                string text = Scalar(v);
                o.WriteLine(text.Contains('\n')
                    ? $"{indent}{property.Name}:\n{indent}  {text.TrimEnd().Replace("\n", "\n" + indent + "  ")}"
                    : $"{indent}{property.Name}: {text}");
            }
        }
    }

    private static void WriteObjectTable(JsonElement array, TextWriter o, string indent)
    {
        var rows = array.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.Object).ToList();
        var columns = rows.SelectMany(r => r.EnumerateObject().Select(p => p.Name)).Distinct().ToList();
        var cells = rows.Select(r => columns.Select(c => r.TryGetProperty(c, out JsonElement v) ? Cell(v) : "-").ToArray()).ToList();
        var text = new StringWriter();
        Table.Write(text, [.. columns.Select(c => c.Replace('_', ' ').ToUpperInvariant())], cells);
        foreach (string line in text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            o.WriteLine(indent + line);
        }
    }

    /// <summary>A table cell: scalars as text, small arrays of scalars joined, anything nested as compact JSON.</summary>
    private static string Cell(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Array when v.EnumerateArray().All(i => i.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array)) =>
            v.GetArrayLength() == 0 ? "-" : string.Join(",", v.EnumerateArray().Select(Scalar)),
        JsonValueKind.Object => string.Join(" ", v.EnumerateObject().Select(p => $"{p.Name}={Cell(p.Value)}")),
        _ => Scalar(v).Replace('\n', ' '),
    };

    private static string Scalar(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => v.GetString()!,
        JsonValueKind.Null => "-",
        _ => v.GetRawText(),
    };

    private static List<string[]> Rows(JsonElement e, string array, string first, string second) =>
        e.TryGetProperty(array, out JsonElement items) && items.ValueKind == JsonValueKind.Array
            ? [.. items.EnumerateArray().Select(i => new[] { Str(i, first), Str(i, second) })]
            : [];

    private static string Uptime(JsonElement d)
    {
        if (!d.TryGetProperty("uptime_seconds", out JsonElement u) || !u.TryGetDouble(out double seconds))
        {
            return "?";
        }

        var span = TimeSpan.FromSeconds(Math.Floor(seconds));
        return span.Days > 0
            ? span.ToString(@"d\d\ hh\:mm\:ss", CultureInfo.InvariantCulture)
            : span.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture);
    }

    /// <summary>Timestamps arrive as ISO 8601 UTC; people read them to the second.</summary>
    private static string Time(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out JsonElement v) && v.TryGetDateTimeOffset(out DateTimeOffset t)
            ? t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : Str(e, name);

    private static string Join(JsonElement e, string array) =>
        e.TryGetProperty(array, out JsonElement items) && items.ValueKind == JsonValueKind.Array && items.GetArrayLength() > 0
            ? string.Join(", ", items.EnumerateArray().Select(i => i.GetString()))
            : "nothing";

    private static string Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out JsonElement v)
            ? v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText()
            : "?";

    private static string Raw(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out JsonElement v) ? v.GetRawText() : "?";
}
