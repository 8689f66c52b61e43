using System.Net.Sockets;
using System.Text.Json;

namespace Overlay.Daemon.Control;

/// <summary>
/// A verb that keeps its connection after the request: <see cref="Open"/> validates the request (a bad one throws
/// <see cref="ControlRequestException"/> and the client gets the usual <c>{"ok":false,"error":...}</c> reply), and the
/// stream it returns then owns the connection until it ends — it writes its own <c>{"ok":true,...}</c> first line,
/// then one JSON line per item. The peer's credentials were checked before, as for every verb.
/// </summary>
public interface IStreamingControlVerb
{
    /// <summary>The request's <c>"verb"</c> value.</summary>
    string Name { get; }

    IControlStream Open(JsonElement request);
}

/// <summary>A validated streaming request, ready to run on its connection.</summary>
public interface IControlStream
{
    /// <summary>
    /// Runs until the stream's own end, the client closing its side (or sending anything), or
    /// <paramref name="stopping"/>; releases everything it took on every path.
    /// </summary>
    Task RunAsync(Socket client, CancellationToken stopping);
}
