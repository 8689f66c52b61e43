using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Overlay.Daemon.Control;
using Overlay.Daemon.Tests.Support;

namespace Overlay.Daemon.Tests.Control;

/// <summary>One connection over a real Unix socket pair: bounded reads, deadlines, one reply.</summary>
public sealed class ControlConnectionTests : IDisposable
{
    /// <summary>Only the silent-client test waits this out; the others get the daemon's own timeout.</summary>
    private static readonly TimeSpan ShortTimeout = TimeSpan.FromMilliseconds(300);
    private readonly TempDirectory _dir = new();
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly ControlRequestHandler _handler = new([new PingVerb()]);

    public ControlConnectionTests()
    {
        _listener.Bind(new UnixDomainSocketEndPoint(_dir.File("c.sock")));
        _listener.Listen(4);
    }

    [Fact]
    public async Task A_request_line_is_answered_and_the_connection_closed()
    {
        var (result, reply) = await ExchangeAsync(Encoding.UTF8.GetBytes("{\"verb\":\"ping\"}\n"), halfClose: false);

        Assert.Equal(ConnectionResult.Answered, result);
        Assert.Equal("{\"ok\":true,\"pong\":true}\n", reply);
    }

    [Fact]
    public async Task A_request_without_newline_is_taken_at_end_of_stream()
    {
        var (result, reply) = await ExchangeAsync(Encoding.UTF8.GetBytes("{\"verb\":\"ping\"}"), halfClose: true);

        Assert.Equal(ConnectionResult.Answered, result);
        Assert.Contains("\"pong\":true", reply);
    }

    [Fact]
    public async Task An_oversized_request_is_refused_without_reading_it_all()
    {
        byte[] huge = new byte[ControlConnection.MaxRequestBytes + 1000];
        huge.AsSpan().Fill((byte)'x');

        var (result, reply) = await ExchangeAsync(huge, halfClose: false);

        Assert.Equal(ConnectionResult.Refused, result);
        Assert.Contains($"request line longer than {ControlConnection.MaxRequestBytes} bytes", ErrorOf(reply));
    }

    [Fact]
    public async Task A_silent_client_gets_a_timeout_error()
    {
        var (result, reply) = await ExchangeAsync([], halfClose: false, ShortTimeout);

        Assert.Equal(ConnectionResult.TimedOut, result);
        Assert.Contains("no complete request line within", ErrorOf(reply));
    }

    [Fact]
    public async Task A_client_that_connects_and_closes_gets_nothing()
    {
        var (result, reply) = await ExchangeAsync([], halfClose: true);

        Assert.Equal(ConnectionResult.Empty, result);
        Assert.Equal("", reply);
    }

    public void Dispose()
    {
        _listener.Dispose();
        _dir.Dispose();
    }

    private static string ErrorOf(string reply)
    {
        using JsonDocument document = JsonDocument.Parse(reply);
        Assert.False(document.RootElement.GetProperty("ok").GetBoolean());
        return document.RootElement.GetProperty("error").GetString()!;
    }

    private async Task<(ConnectionResult Result, string Reply)> ExchangeAsync(byte[] request, bool halfClose, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await client.ConnectAsync(_listener.LocalEndPoint!, deadline.Token);
        using Socket server = await _listener.AcceptAsync(deadline.Token);
        Task<ConnectionResult> serve = ControlConnection.ServeAsync(server, _handler, timeout ?? ControlConnection.Timeout, deadline.Token);

        // The server may stop reading (oversize) before the client is done writing: send in the background.
        Task send = Task.Run(async () =>
        {
            try
            {
                await client.SendAsync(request, SocketFlags.None, deadline.Token);
                if (halfClose)
                {
                    client.Shutdown(SocketShutdown.Send);
                }
            }
            catch (SocketException)
            {
                // The server closed early, which is what the oversize test expects.
            }
        });

        ConnectionResult result = await serve;
        server.Dispose(); // as the service does once a connection is served
        var reply = new MemoryStream();
        byte[] chunk = new byte[4096];
        int read;
        while ((read = await client.ReceiveAsync(chunk, SocketFlags.None, deadline.Token)) > 0)
        {
            reply.Write(chunk, 0, read);
        }

        await send;
        return (result, Encoding.UTF8.GetString(reply.ToArray()));
    }

    private sealed class PingVerb : IControlVerb
    {
        public string Name => "ping";

        public void WriteReply(JsonElement request, Utf8JsonWriter reply) => reply.WriteBoolean("pong", true);
    }
}
