using System.Text;
using System.Text.Json;
using Overlay.Daemon.Control;

namespace Overlay.Daemon.Tests.Control;

/// <summary>
/// A control-socket request line of the largest size the daemon reads (<see cref="ControlConnection.MaxRequestBytes"/>)
/// shaped to make the parser work hardest — thousands of tokens, keys, escapes, nesting, a huge unknown
/// verb echoed back — allocates at most 24 × its length + 4 KiB while being handled (issue 12, item 1).
/// </summary>
public sealed class ControlRequestAllocationBoundTests
{
    private const int BytesPerInputOctet = 24;
    private const int FixedAllowance = 4096;

    private readonly ControlRequestHandler _handler = new([new EchoVerb()]);

    /// <summary><paramref name="prefix"/>, then <paramref name="unit"/> repeated while the line stays within the limit, then <paramref name="suffix"/>.</summary>
    private static byte[] Line(string prefix, string unit, string suffix)
    {
        var text = new StringBuilder(prefix);
        while (text.Length + unit.Length + suffix.Length <= ControlConnection.MaxRequestBytes)
        {
            text.Append(unit);
        }

        return Encoding.UTF8.GetBytes(text.Append(suffix).ToString());
    }

    public static TheoryData<string, string, string, bool> WorstCases() => new()
    {
        { "{\"verb\":\"echo\",\"text\":\"t\",\"a\":[0", ",0", "]}", true }, // ~32,000 array elements
        { "{\"verb\":\"echo\",\"text\":\"t\"", ",\"k\":0", "}", true }, // ~10,000 properties
        { "{\"verb\":\"echo\",\"text\":\"", "\\u0000", "\"}", true }, // an escaped string the verb reads back
        { "{\"verb\":\"", "x", "\"}", false }, // an unknown verb of 64 KiB, named in the error
        { string.Empty, "[", string.Empty, false }, // nesting far past the depth limit
        { "{\"verb\":\"echo\",\"a\":\"", "\\", string.Empty, false }, // an unterminated string
    };

    [Theory]
    [MemberData(nameof(WorstCases))]
    public void Largest_request_lines_are_handled_within_the_bound(string prefix, string unit, string suffix, bool ok)
    {
        byte[] line = Line(prefix, unit, suffix);
        Assert.InRange(line.Length, ControlConnection.MaxRequestBytes - 8, ControlConnection.MaxRequestBytes);
        byte[] reply = _handler.Handle(line);
        using (JsonDocument document = JsonDocument.Parse(reply))
        {
            Assert.Equal(ok, document.RootElement.GetProperty("ok").GetBoolean());
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        _handler.Handle(line);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        long bound = (long)BytesPerInputOctet * line.Length + FixedAllowance;
        Assert.True(allocated <= bound, $"{line.Length}-byte request allocated {allocated} bytes; bound {bound}");
    }

    private sealed class EchoVerb : IControlVerb
    {
        public string Name => "echo";

        public void WriteReply(JsonElement request, Utf8JsonWriter reply) =>
            reply.WriteString("echo", request.GetProperty("text").GetString());
    }
}
