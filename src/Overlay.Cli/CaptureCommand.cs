using System.CommandLine;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using Overlay.Cli.Capture;
using Overlay.Cli.Control;
using Overlay.Common.Capture;

namespace Overlay.Cli;

/// <summary>
/// <c>tvdctl capture --tvd red [--port P | --peer H] [--count N] [--seconds S] [--snaplen L] [-w file.pcap] [--quiet] [--json]</c>:
/// the frames one TVD's switch forwards on the running daemon (its inner traffic, in the clear), printed one line a
/// frame and/or written as pcap. Ends on --count, --seconds, Ctrl-C or SIGTERM (the daemon's summary is still
/// printed) or the daemon stopping. Runs at nice 19 (<see cref="CapturePriority"/>). Exit 0 after a capture, 2 when the daemon is not reachable or refuses the request.
/// </summary>
internal static class CaptureCommand
{
    /// <summary>After Ctrl-C, how long to wait for the daemon's summary.</summary>
    private static readonly TimeSpan SummaryWait = TimeSpan.FromSeconds(5);

    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create()
    {
        var tvd = new Option<string>("--tvd") { Description = "The TVD whose inner traffic to capture (e.g. red)", Required = true };
        var port = new Option<string?>("--port") { Description = "Only frames entering or leaving this guest port" };
        var peer = new Option<string?>("--peer") { Description = "Only frames from or to this peer host (its tunnel of the TVD)" };
        var count = new Option<int?>("--count", "-c") { Description = "Stop after this many frames" };
        var seconds = new Option<int?>("--seconds") { Description = "Stop after this many seconds" };
        var snaplen = new Option<int?>("--snaplen", "-s") { Description = "Octets kept of each frame (default: the whole frame)" };
        var write = new Option<string?>("--write", "-w") { Description = "Write the frames to this pcap file (tshark/tcpdump -r reads it)" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print no line per frame (with -w: only the summary)" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per frame and the summary as JSON (docs/cli.md)" };
        var socket = new Option<string>("--socket") { Description = "The daemon's control socket", DefaultValueFactory = _ => ControlClient.DefaultSocket };
        var command = new Command("capture", "Capture one TVD's inner frames at the daemon's switch (after decryption, before encryption)");
        foreach (Option option in new Option[] { tvd, port, peer, count, seconds, snaplen, write, quiet, json, socket })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(port) is not null && parse.GetValue(peer) is not null)
            {
                Console.Error.WriteLine("tvdctl: capture takes --port or --peer, not both");
                return ExitCodes.BadInput;
            }

            var arguments = new Dictionary<string, string> { ["tvd"] = parse.GetValue(tvd)! };
            AddIf(arguments, "port", parse.GetValue(port));
            AddIf(arguments, "peer", parse.GetValue(peer));
            AddIf(arguments, "count", parse.GetValue(count)?.ToString(System.Globalization.CultureInfo.InvariantCulture));
            AddIf(arguments, "seconds", parse.GetValue(seconds)?.ToString(System.Globalization.CultureInfo.InvariantCulture));
            AddIf(arguments, "snaplen", parse.GetValue(snaplen)?.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var output = new CaptureOutput(parse.GetValue(write), parse.GetValue(quiet), parse.GetValue(json));
            try
            {
                return await RunAsync(parse.GetValue(socket)!, arguments, output, cancellationToken);
            }
            catch (ControlClientException e)
            {
                Console.Error.WriteLine($"tvdctl: {e.Message}");
                return ExitCodes.BadInput;
            }
        });
        return command;
    }

    private static void AddIf(Dictionary<string, string> arguments, string name, string? value)
    {
        if (value is not null)
        {
            arguments[name] = value;
        }
    }

    private static async Task<int> RunAsync(string socketPath, Dictionary<string, string> arguments, CaptureOutput output, CancellationToken interrupted)
    {
        using Socket socket = await ControlClient.OpenStreamAsync(socketPath, "capture", arguments, interrupted);
        var reader = new CaptureStreamReader(socket);
        JsonElement header = await ReadHeaderAsync(reader, socketPath, interrupted);
        string tvd = header.GetProperty("tvd").GetString()!;
        PcapFile? pcap = null;
        try
        {
            pcap = output.PcapPath is { } path ? OpenPcap(path, header.GetProperty("snaplen").GetInt32()) : null;
            if (pcap is null && output.PcapPath is not null)
            {
                return ExitCodes.BadInput;
            }

            // Ctrl-C or SIGTERM: half-close, so the daemon ends the capture and sends its summary, which is still
            // read and printed (within SummaryWait).
            using var summaryDeadline = new CancellationTokenSource();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(interrupted);
            using PosixSignalRegistration terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
            {
                signal.Cancel = true;
                stop.Cancel();
            });
            using CancellationTokenRegistration ending = stop.Token.Register(() =>
            {
                Shutdown(socket);
                summaryDeadline.CancelAfter(SummaryWait);
            });
            CapturePriority.LowerThisProcess();
            var frame = new FrameRecord(header.GetProperty("snaplen").GetInt32());
            var names = new EndpointNames();
            while (await reader.ReadRecordAsync(summaryDeadline.Token) is { } record)
            {
                switch (record.Type)
                {
                    case CaptureRecordType.Frame:
                        frame.Read(record.Body.Span);
                        OnFrame(tvd, frame, names, output, pcap);
                        break;
                    case CaptureRecordType.EndpointName:
                        names.Learn(record.Body.Span);
                        break;
                    case CaptureRecordType.Summary:
                        using (JsonDocument document = JsonDocument.Parse(record.Body))
                        {
                            PrintSummary(document.RootElement.GetProperty("summary"), output);
                        }

                        return ExitCodes.Ok;
                }
            }

            Console.Error.WriteLine($"tvdctl: tvd-overlayd ended the capture without a summary (did it stop?)");
            return ExitCodes.Denied;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"tvdctl: no summary from tvd-overlayd within {SummaryWait.TotalSeconds:0} s of the interrupt");
            return ExitCodes.Denied;
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or KeyNotFoundException or FormatException or SocketException)
        {
            Console.Error.WriteLine($"tvdctl: the capture stream broke: {e.Message}");
            return ExitCodes.Denied;
        }
        finally
        {
            pcap?.Dispose();
            Console.Out.Flush();
        }
    }

    private static async Task<JsonElement> ReadHeaderAsync(CaptureStreamReader reader, string socketPath, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(ControlClient.Timeout);
        ReadOnlyMemory<byte>? line;
        try
        {
            line = await reader.ReadLineAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ControlClientException($"tvd-overlayd did not answer on {socketPath} within {ControlClient.Timeout.TotalSeconds:0} s");
        }
        catch (InvalidDataException e)
        {
            throw new ControlClientException(e.Message);
        }

        using JsonDocument reply = ControlClient.ParseReply(line?.ToArray() ?? [], socketPath);
        if (!reply.RootElement.TryGetProperty("capture", out JsonElement capture) || capture.ValueKind != JsonValueKind.Object)
        {
            throw new ControlClientException("the daemon's reply has no \"capture\" object");
        }

        string? records = capture.TryGetProperty("records", out JsonElement format) && format.ValueKind == JsonValueKind.String ? format.GetString() : null;
        return records == CaptureRecordHeader.Format
            ? capture.Clone()
            : throw new ControlClientException(
                $"the daemon streams capture records as {records ?? "JSON lines"}; this tvdctl reads {CaptureRecordHeader.Format} (are tvdctl and tvd-overlayd from one release?)");
    }

    private static PcapFile? OpenPcap(string path, int snapLength)
    {
        try
        {
            return new PcapFile(path, snapLength);
        }
        catch (Exception e) when (e is SharpPcap.PcapException or DllNotFoundException or IOException or UnauthorizedAccessException)
        {
            string why = e is DllNotFoundException ? "libpcap is not installed (Debian: libpcap0.8)" : e.Message;
            Console.Error.WriteLine($"tvdctl: cannot write {path}: {why}");
            return null;
        }
    }

    private static void OnFrame(string tvd, FrameRecord frame, EndpointNames names, CaptureOutput output, PcapFile? pcap)
    {
        ReadOnlySpan<byte> data = frame.Data.AsSpan(0, frame.Captured);
        pcap?.Write(frame.Time, data, frame.Length);
        if (output.Quiet)
        {
            return;
        }

        byte[] octets = data.ToArray();
        if (!output.Json)
        {
            Console.Out.WriteLine(FrameLine.Format(frame.Time.ToLocalTime(), tvd, names[frame.In], names[frame.Out], frame.Targets, octets, frame.Length));
            return;
        }

        using var writer = new Utf8JsonWriter(Console.OpenStandardOutput(), JsonOptions);
        writer.WriteStartObject();
        writer.WriteString("time", frame.Time.UtcDateTime);
        writer.WriteString("tvd", FrameLine.ShortTvd(tvd));
        WriteEndpoint(writer, "in", names[frame.In]);
        WriteEndpoint(writer, "out", names[frame.Out]);
        writer.WriteNumber("targets", frame.Targets);
        writer.WriteNumber("length", frame.Length);
        writer.WriteNumber("captured", frame.Captured);
        writer.WriteString("decoded", FrameLine.Describe(octets, frame.Length));
        writer.WriteEndObject();
        writer.Flush();
        Console.Out.WriteLine();
    }

    private static void WriteEndpoint(Utf8JsonWriter writer, string property, CaptureEndpoint endpoint)
    {
        writer.WriteStartObject(property);
        writer.WriteString("kind", endpoint.Kind);
        writer.WriteString("name", endpoint.Name);
        writer.WriteEndObject();
    }

    private static void PrintSummary(JsonElement summary, CaptureOutput output)
    {
        if (output.Json)
        {
            using var writer = new Utf8JsonWriter(Console.OpenStandardOutput(), JsonOptions);
            writer.WriteStartObject();
            writer.WritePropertyName("summary");
            summary.WriteTo(writer);
            writer.WriteEndObject();
            writer.Flush();
            Console.Out.WriteLine();
            return;
        }

        string filter = summary.GetProperty("filter").ValueKind == JsonValueKind.String ? $" ({summary.GetProperty("filter").GetString()})" : "";
        string file = output.PcapPath is { } path ? $", written to {path}" : "";
        Console.Error.WriteLine(
            $"capture of {FrameLine.ShortTvd(summary.GetProperty("tvd").GetString()!)}{filter} ended ({summary.GetProperty("ended").GetString()}) " +
            $"after {summary.GetProperty("seconds").GetDouble():0.###} s: {summary.GetProperty("frames").GetInt64()} frames{file}, " +
            $"{summary.GetProperty("dropped").GetInt64()} dropped by the daemon's ring");
    }

    private static void Shutdown(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already closed: the read loop ends on its own.
        }
    }

    private sealed record CaptureOutput(string? PcapPath, bool Quiet, bool Json);
}
