using System.CommandLine;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Overlay.Cli.Output;

/// <summary>
/// <c>--json</c> of every verb that prints data: one JSON document on stdout, indented, in the shape docs/cli.md
/// documents (snake_case names; a field that has no value is null, never left out). Exit codes are the verb's own.
/// Errors that end a verb with exit 2 (bad input, daemon not reachable) stay one line on stderr, with nothing on stdout.
/// </summary>
internal static class JsonOutput
{
    private static readonly JsonWriterOptions Options = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Option<bool> Option() => new("--json") { Description = "Print the result as JSON (shape: docs/cli.md)" };

    /// <summary>Writes one document built by <paramref name="write"/> to <paramref name="output"/>, then a newline.</summary>
    public static void Write(TextWriter output, Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            write(writer);
        }

        output.WriteLine(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    /// <summary>Writes <paramref name="element"/> as it is (the daemon's document) as one document.</summary>
    public static void Write(TextWriter output, JsonElement element) => Write(output, element.WriteTo);

    public static void WriteStrings(this Utf8JsonWriter writer, string name, IEnumerable<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }

    /// <summary>A string, or null.</summary>
    public static void WriteStringOrNull(this Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    /// <summary>A UTC time as ISO 8601 with a Z (<c>2030-01-02T03:04:05Z</c>).</summary>
    public static void WriteTime(this Utf8JsonWriter writer, string name, DateTimeOffset time) =>
        writer.WriteString(name, time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
}
