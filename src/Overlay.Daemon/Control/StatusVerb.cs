using System.Text.Json;
using Overlay.Daemon.Status;

namespace Overlay.Daemon.Control;

/// <summary><c>{"verb":"status"}</c> → <c>{"ok":true,"status":{ one property per status section }}</c>.</summary>
public sealed class StatusVerb : IControlVerb
{
    private readonly StatusDocument _status;

    public StatusVerb(StatusDocument status) => _status = status;

    public string Name => "status";

    public void WriteReply(JsonElement request, Utf8JsonWriter reply)
    {
        reply.WritePropertyName("status");
        _status.Write(reply);
    }
}
