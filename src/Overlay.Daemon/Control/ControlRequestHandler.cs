using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Overlay.Daemon.Control;

/// <summary>
/// Turns one request line into one reply line. Every failure — malformed JSON, a missing or unknown verb,
/// a verb that throws — becomes <c>{"ok":false,"error":"..."}</c>; nothing a client sends can crash the daemon.
/// </summary>
public sealed class ControlRequestHandler
{
    /// <summary>A request is one small object; deeper nesting is refused before it is walked.</summary>
    private static readonly JsonDocumentOptions ParseOptions = new() { MaxDepth = 8 };

    /// <summary>Replies go to tvdctl and scripts, never into HTML: keep paths and '+' readable.</summary>
    private static readonly JsonWriterOptions WriteOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly Dictionary<string, IControlVerb> _verbs;
    private readonly Dictionary<string, IStreamingControlVerb> _streams;

    public ControlRequestHandler(IEnumerable<IControlVerb> verbs, IEnumerable<IStreamingControlVerb>? streams = null)
    {
        _verbs = verbs.ToDictionary(v => v.Name, StringComparer.Ordinal);
        _streams = (streams ?? []).ToDictionary(v => v.Name, StringComparer.Ordinal);
    }

    public IReadOnlyCollection<string> Verbs => [.. _verbs.Keys, .. _streams.Keys];

    /// <summary>
    /// When the request names a streaming verb: the validated stream, or (null and) the error reply in
    /// <paramref name="refusal"/>. Null with no refusal: not a streaming request, <see cref="Handle"/> answers it.
    /// </summary>
    public IControlStream? OpenStream(ReadOnlyMemory<byte> requestLine, out byte[]? refusal)
    {
        refusal = null;
        if (_streams.Count == 0)
        {
            return null;
        }

        try
        {
            using JsonDocument request = JsonDocument.Parse(requestLine, ParseOptions);
            JsonElement root = request.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("verb", out JsonElement verb) ||
                verb.ValueKind != JsonValueKind.String || !_streams.TryGetValue(verb.GetString()!, out IStreamingControlVerb? stream))
            {
                return null;
            }

            return stream.Open(root);
        }
        catch (JsonException)
        {
            return null; // Handle says what is wrong with it
        }
        catch (ControlRequestException e)
        {
            refusal = Error(e.Message);
            return null;
        }
        catch (InvalidOperationException e)
        {
            refusal = Error($"internal error: {e.Message}");
            return null;
        }
    }

    /// <summary>Returns the UTF-8 reply, newline-terminated.</summary>
    public byte[] Handle(ReadOnlyMemory<byte> requestLine)
    {
        try
        {
            using JsonDocument request = JsonDocument.Parse(requestLine, ParseOptions);
            IControlVerb verb = FindVerb(request.RootElement);
            var buffer = new ArrayBufferWriter<byte>(4096);
            using (var writer = new Utf8JsonWriter(buffer, WriteOptions))
            {
                writer.WriteStartObject();
                writer.WriteBoolean("ok", true);
                verb.WriteReply(request.RootElement, writer);
                writer.WriteEndObject();
            }

            return [.. buffer.WrittenSpan, (byte)'\n'];
        }
        catch (JsonException e)
        {
            return Error($"request is not valid JSON: {e.Message}");
        }
        catch (ControlRequestException e)
        {
            return Error(e.Message);
        }
        catch (InvalidOperationException e)
        {
            // A verb whose subsystem is in a state it cannot describe: the client hears it, the daemon lives.
            return Error($"internal error: {e.Message}");
        }
    }

    public static byte[] Error(string message)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriteOptions))
        {
            writer.WriteStartObject();
            writer.WriteBoolean("ok", false);
            writer.WriteString("error", message);
            writer.WriteEndObject();
        }

        return [.. buffer.WrittenSpan, (byte)'\n'];
    }

    private IControlVerb FindVerb(JsonElement request)
    {
        if (request.ValueKind != JsonValueKind.Object)
        {
            throw new ControlRequestException($"request must be a JSON object like {{\"verb\":\"status\"}}, not {request.ValueKind}");
        }

        if (!request.TryGetProperty("verb", out JsonElement verb) || verb.ValueKind != JsonValueKind.String)
        {
            throw new ControlRequestException("request needs a string \"verb\"");
        }

        string name = verb.GetString()!;
        return _verbs.TryGetValue(name, out IControlVerb? found)
            ? found
            : throw new ControlRequestException($"unknown verb '{name}' (known: {string.Join(", ", Verbs.Order())})");
    }
}
