using System.Text.Json;
using Overlay.Daemon.Control;
using Overlay.Daemon.Status;

namespace Overlay.Fuzz.Targets;

/// <summary>
/// One request line on the control socket (<c>ControlRequestHandler</c>, any local user the socket admits can send
/// it), with the status verb over a status section. Oracles: the reply is one line of JSON whose <c>ok</c> is a
/// boolean, a failure carries an <c>error</c> string, and handling stays within an allocation bound.
/// </summary>
public sealed class ControlRequestTarget : FuzzTarget
{
    public const int AllocationPerByte = 32;
    public const int AllocationFixed = 64 * 1024;

    private readonly ControlRequestHandler _handler = new([new StatusVerb(new StatusDocument([new Section()]))]);

    public override string Name => "control-request";

    public override string TestProject => "Overlay.Daemon.Tests";

    public override string Description => "control-socket request line: handle; one JSON line with ok (and error), allocation bound";

    protected override void Execute(ReadOnlySpan<byte> input)
    {
        if (input.Length > ControlConnection.MaxRequestBytes)
        {
            return; // the connection refuses longer requests before the handler sees them
        }

        var request = input.ToArray();
        var start = Oracles.AllocatedBytes();
        var reply = _handler.Handle(request);
        Oracles.CheckAllocation("ControlRequestHandler.Handle", start, input.Length, AllocationPerByte, AllocationFixed);
        Oracles.Check(reply.Length > 0 && reply[^1] == '\n' && Array.IndexOf(reply, (byte)'\n') == reply.Length - 1, "the reply is not one line");
        using var document = JsonDocument.Parse(reply);
        var root = document.RootElement;
        Oracles.Check(root.TryGetProperty("ok", out var ok) && ok.ValueKind is JsonValueKind.True or JsonValueKind.False, "the reply has no boolean ok");
        Oracles.Check(ok.ValueKind == JsonValueKind.True || root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String,
            "a failed reply has no error string");
    }

    public override IEnumerable<(string Name, byte[] Data)> Seeds(string repositoryRoot)
    {
        // What tvdctl sends (src/Overlay.Cli/Control), one request per verb.
        yield return ("status", """{"verb":"status"}"""u8.ToArray());
        yield return ("guest-list", """{"verb":"guest","action":"list"}"""u8.ToArray());
        yield return ("guest-start", """{"verb":"guest","action":"start","name":"web1"}"""u8.ToArray());
        yield return ("quote", """{"verb":"quote","nonce":"00112233445566778899aabbccddeeff"}"""u8.ToArray());
        yield return ("measure", """{"verb":"measure","path":"/etc/tvd-overlay/overlayd.toml"}"""u8.ToArray());
        yield return ("given-evidence", """{"verb":"given-evidence","peer":"h2","full":true}"""u8.ToArray());
    }

    private sealed class Section : IStatusSection
    {
        public string Name => "daemon";

        public void Write(Utf8JsonWriter writer)
        {
            writer.WriteStartObject();
            writer.WriteString("host", "fuzz");
            writer.WriteNumber("uptime_seconds", 1);
            writer.WriteEndObject();
        }
    }
}
