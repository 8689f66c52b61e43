using System.CommandLine;
using System.Text.Json;
using Overlay.Cli.Control;
using Overlay.Cli.Graph;
using Overlay.Cli.Output;

namespace Overlay.Cli;

/// <summary>
/// <c>tvdctl graph [-o FILE.svg] [--png FILE.png] [--socket PATH] [--json]</c>: a picture of this host's overlay as the
/// running daemon reports it — the host and its guests coloured by TVD, the peer hosts, one line per (peer, TVD) with
/// its attestation state and evidence age, refused joins with their finding, blocked flows with their counts.
/// tvdctl composes it from the documents the daemon already serves (<c>status</c>, <c>guest list</c>): the daemon
/// renders nothing and needs no verb for it, and the picture draws exactly what <c>status --json</c> says.
/// Exit 0 written (a missing PNG converter is said on stderr, the SVG is still written), 2 when the daemon cannot be
/// asked, a file cannot be written, or the converter fails.
/// </summary>
internal static class GraphCommand
{
    public static Command Create()
    {
        var output = new Option<string?>("--output", "-o") { Description = "Write the SVG to FILE (default: standard output, unless --json)" };
        var png = new Option<string?>("--png") { Description = "Also render it to a PNG FILE with headless Chromium, when installed" };
        var socket = new Option<string>("--socket") { Description = "The daemon's control socket", DefaultValueFactory = _ => ControlClient.DefaultSocket };
        var json = JsonOutput.Option();
        var command = new Command("graph", "Draw this host's overlay (hosts, guests by TVD, SAs, attestation, refusals, blocked flows) as SVG");
        command.Options.Add(output);
        command.Options.Add(png);
        command.Options.Add(socket);
        command.Options.Add(json);
        command.SetAction(async (parse, cancellationToken) =>
        {
            GraphState state;
            try
            {
                state = await AskAsync(parse.GetValue(socket)!, cancellationToken);
            }
            catch (ControlClientException e)
            {
                Console.Error.WriteLine($"tvdctl: {e.Message}");
                return ExitCodes.BadInput;
            }

            return await WriteAsync(state, parse.GetValue(output), parse.GetValue(png), parse.GetValue(json), cancellationToken);
        });
        return command;
    }

    private static async Task<GraphState> AskAsync(string socket, CancellationToken cancellationToken)
    {
        using JsonDocument status = await ControlClient.RequestAsync(socket, "status", cancellationToken);
        if (!status.RootElement.TryGetProperty("status", out JsonElement document) || document.ValueKind != JsonValueKind.Object)
        {
            throw new ControlClientException("the daemon's reply has no \"status\" object");
        }

        JsonDocument? guests = null;
        try
        {
            guests = await ControlClient.RequestAsync(socket, "guest", cancellationToken, new Dictionary<string, string> { ["action"] = "list" });
        }
        catch (ControlClientException)
        {
            // A daemon that manages no guests: its ports in the status still show them.
        }

        using (guests)
        {
            JsonElement? list = guests is not null && guests.RootElement.TryGetProperty("guests", out JsonElement g) ? g : null;
            return GraphStateReader.Read(document, list);
        }
    }

    private static async Task<int> WriteAsync(GraphState state, string? output, string? png, bool json, CancellationToken cancellationToken)
    {
        string svg = SvgGraph.Compose(state);
        (int Width, int Height) size = SvgGraph.Size(svg);
        string? svgFile = output;
        string? temporary = null;
        try
        {
            if (svgFile is null && png is not null)
            {
                temporary = Path.Combine(Directory.CreateTempSubdirectory("tvdctl-graph-").FullName, "graph.svg");
                svgFile = temporary;
            }

            if (svgFile is not null)
            {
                await File.WriteAllTextAsync(svgFile, svg, cancellationToken);
            }
            else if (!json)
            {
                Console.Out.Write(svg);
            }

            (string? pngFile, string? problem, bool failed) = png is null ? (null, null, false) : await RenderAsync(svgFile!, png, size, cancellationToken);
            if (json)
            {
                JsonOutput.Write(Console.Out, w => GraphJson.Write(w, state, output, pngFile, problem, size));
            }
            else if (output is not null)
            {
                Console.Out.WriteLine($"wrote {output}: host {state.Host}, {Count(state.Peers.Count, "peer")}, {Count(state.Guests.Count, "guest")}, " +
                    $"{Count(state.Tvds.Count, "TVD")}, {Count(state.RefusedJoins.Count, "refused join")}, {Count(state.Blocked.Count, "blocked flow")} ({size.Width}x{size.Height})");
            }

            if (pngFile is not null && !json)
            {
                Console.Out.WriteLine($"wrote {pngFile} ({size.Width}x{size.Height}, headless Chromium)");
            }

            if (problem is not null)
            {
                Console.Error.WriteLine($"tvdctl: {problem}");
            }

            return failed ? ExitCodes.BadInput : ExitCodes.Ok;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"tvdctl: cannot write the picture: {e.Message}");
            return ExitCodes.BadInput;
        }
        finally
        {
            if (temporary is not null)
            {
                Directory.Delete(Path.GetDirectoryName(temporary)!, recursive: true);
            }
        }
    }

    private static async Task<(string? Png, string? Problem, bool Failed)> RenderAsync(string svg, string png, (int Width, int Height) size, CancellationToken cancellationToken)
    {
        if (PngRenderer.Find() is not { } chromium)
        {
            return (null, $"no SVG-to-PNG converter found (looked for chromium, chromium-browser, google-chrome on PATH; Debian: apt install chromium); {png} not written", false);
        }

        string? problem = await PngRenderer.RenderAsync(chromium, svg, png, size.Width, size.Height, cancellationToken);
        return problem is null ? (png, null, false) : (null, problem, true);
    }

    private static string Count(int n, string noun) => $"{n} {noun}{(n == 1 ? "" : "s")}";
}
