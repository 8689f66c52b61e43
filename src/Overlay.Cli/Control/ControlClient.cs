using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Overlay.Cli.Control;

/// <summary>
/// The client side of the daemon's control protocol (docs/daemon.md): connect to the Unix socket, send one
/// JSON request line, read one JSON reply line. Knows the wire format only, never the daemon's code.
/// </summary>
internal static class ControlClient
{
    public const string DefaultSocket = "/run/tvd-overlay/control.sock";

    /// <summary>A status document is a few KiB; this bound only stops a runaway peer.</summary>
    public const int MaxReplyBytes = 16 * 1024 * 1024;

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Sends <c>{"verb":...}</c> (plus any string <paramref name="arguments"/>) and returns the reply's root object (<c>ok</c> already checked true).</summary>
    /// <exception cref="ControlClientException">Not running, not permitted, timed out, or the daemon said no.</exception>
    public static async Task<JsonDocument> RequestAsync(string socketPath, string verb, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? arguments = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), deadline.Token);
            await socket.SendAsync(RequestLine(verb, arguments), SocketFlags.None, deadline.Token);
            socket.Shutdown(SocketShutdown.Send);
            byte[] reply = await ReadReplyAsync(socket, deadline.Token);
            return ParseReply(reply, socketPath);
        }
        catch (SocketException e)
        {
            throw new ControlClientException(Explain(e, socketPath));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ControlClientException($"tvd-overlayd did not answer on {socketPath} within {Timeout.TotalSeconds:0} s");
        }
    }

    /// <summary>
    /// Connects and sends a streaming verb's request (capture), keeping the connection: the caller reads its lines,
    /// the first of which is the usual <c>{"ok":...}</c> reply (<see cref="ParseReply"/>).
    /// </summary>
    public static async Task<Socket> OpenStreamAsync(string socketPath, string verb, IReadOnlyDictionary<string, string> arguments,
        CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), deadline.Token);
            await socket.SendAsync(RequestLine(verb, arguments), SocketFlags.None, deadline.Token);
            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new ControlClientException(Explain(e, socketPath));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new ControlClientException($"tvd-overlayd did not answer on {socketPath} within {Timeout.TotalSeconds:0} s");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static byte[] RequestLine(string verb, IReadOnlyDictionary<string, string>? arguments)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("verb", verb);
            foreach ((string name, string value) in arguments ?? new Dictionary<string, string>())
            {
                writer.WriteString(name, value);
            }

            writer.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    private static async Task<byte[]> ReadReplyAsync(Socket socket, CancellationToken cancellationToken)
    {
        using var reply = new MemoryStream();
        byte[] chunk = new byte[16 * 1024];
        while (true)
        {
            int read = await socket.ReceiveAsync(chunk, SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                return reply.ToArray();
            }

            if (reply.Length + read > MaxReplyBytes)
            {
                throw new ControlClientException($"reply from tvd-overlayd is larger than {MaxReplyBytes} bytes");
            }

            reply.Write(chunk, 0, read);
        }
    }

    public static JsonDocument ParseReply(byte[] reply, string socketPath)
    {
        if (reply.Length == 0)
        {
            throw new ControlClientException($"tvd-overlayd closed {socketPath} without a reply");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(reply);
        }
        catch (JsonException e)
        {
            throw new ControlClientException($"reply from tvd-overlayd is not JSON: {e.Message}");
        }

        JsonElement root = document.RootElement;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("ok", out JsonElement ok) && ok.ValueKind == JsonValueKind.True)
        {
            return document;
        }

        string error = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out JsonElement message) && message.ValueKind == JsonValueKind.String
            ? message.GetString()!
            : Encoding.UTF8.GetString(reply).Trim();
        document.Dispose();
        throw new ControlClientException($"tvd-overlayd refused the request: {error}");
    }

    private static string Explain(SocketException e, string socketPath) => e.SocketErrorCode switch
    {
        // First: without search permission on the socket's 0700 directory the file looks absent too.
        SocketError.AccessDenied =>
            $"permission denied on {socketPath}: the control socket admits root and the daemon's control_group only (try sudo)",
        _ when !File.Exists(socketPath) && !Directory.Exists(socketPath) =>
            $"tvd-overlayd is not running (no control socket at {socketPath}); a daemon with another [daemon] runtime_dir is reached with --socket RUNTIME_DIR/control.sock",
        SocketError.ConnectionRefused =>
            $"tvd-overlayd is not running ({socketPath} exists but nobody answers; a stale socket?); a daemon with another [daemon] runtime_dir is reached with --socket RUNTIME_DIR/control.sock",
        _ => $"cannot talk to tvd-overlayd on {socketPath}: {e.Message}",
    };
}

/// <summary>A control request that failed, with the message tvdctl prints.</summary>
internal sealed class ControlClientException(string message) : Exception(message);
