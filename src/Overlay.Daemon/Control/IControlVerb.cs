using System.Text.Json;

namespace Overlay.Daemon.Control;

/// <summary>
/// One verb of the control protocol. The handler has already written <c>{"ok":true</c>; a verb writes the
/// rest of its reply's properties (e.g. <c>"status":{...}</c>). A verb that cannot answer throws
/// <see cref="ControlRequestException"/> and the client gets <c>{"ok":false,"error":...}</c> instead.
/// </summary>
public interface IControlVerb
{
    /// <summary>The request's <c>"verb"</c> value.</summary>
    string Name { get; }

    void WriteReply(JsonElement request, Utf8JsonWriter reply);
}

/// <summary>A request the daemon refuses, with the message the client prints.</summary>
public sealed class ControlRequestException(string message) : Exception(message);
