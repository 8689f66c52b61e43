using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Overlay.Daemon.Tests.Support;

/// <summary>A raw control-socket client: sends exactly the bytes a test chooses, returns the reply text.</summary>
public static class ControlSocketClient
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static async Task<string> ExchangeAsync(string socketPath, byte[] request, bool halfClose = true)
    {
        using var deadline = new CancellationTokenSource(Timeout);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), deadline.Token);
        if (request.Length > 0)
        {
            await socket.SendAsync(request, SocketFlags.None, deadline.Token);
        }

        if (halfClose)
        {
            socket.Shutdown(SocketShutdown.Send);
        }

        var reply = new MemoryStream();
        byte[] chunk = new byte[8192];
        int read;
        while ((read = await socket.ReceiveAsync(chunk, SocketFlags.None, deadline.Token)) > 0)
        {
            reply.Write(chunk, 0, read);
        }

        return Encoding.UTF8.GetString(reply.ToArray());
    }

    public static Task<string> ExchangeAsync(string socketPath, string requestLine) =>
        ExchangeAsync(socketPath, Encoding.UTF8.GetBytes(requestLine));

    /// <summary>Asks for status and returns the <c>status</c> object, asserting the reply says ok.</summary>
    public static async Task<JsonElement> StatusAsync(string socketPath)
    {
        string reply = await ExchangeAsync(socketPath, "{\"verb\":\"status\"}\n");
        using JsonDocument document = JsonDocument.Parse(reply);
        Assert.True(document.RootElement.GetProperty("ok").GetBoolean(), reply);
        return document.RootElement.GetProperty("status").Clone();
    }
}
