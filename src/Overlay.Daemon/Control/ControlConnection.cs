using System.Net.Sockets;

namespace Overlay.Daemon.Control;

/// <summary>
/// Serves one client: read one request line (at most <see cref="MaxRequestBytes"/>), write one reply, close.
/// The whole exchange has one deadline, so a client that connects and says nothing costs a slot for at
/// most <see cref="Timeout"/>. A streaming verb (<see cref="IStreamingControlVerb"/>) takes the connection over
/// once its request is read and validated within that deadline.
/// </summary>
public static class ControlConnection
{
    /// <summary>Requests are one small JSON object; anything longer is refused unread.</summary>
    public const int MaxRequestBytes = 64 * 1024;

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>After replying, how long and how much unread input is drained so the close does not reset the reply.</summary>
    public static readonly TimeSpan LingerTimeout = TimeSpan.FromSeconds(1);

    public const int MaxDiscardBytes = 1024 * 1024;

    public static async Task<ConnectionResult> ServeAsync(Socket client, ControlRequestHandler handler, TimeSpan timeout, CancellationToken stopping)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        deadline.CancelAfter(timeout);
        byte[] reply;
        ConnectionResult result;
        try
        {
            (ReadOnlyMemory<byte>? request, string? problem) = await ReadRequestLineAsync(client, deadline.Token).ConfigureAwait(false);
            if (request is null)
            {
                if (problem is null)
                {
                    return ConnectionResult.Empty; // Connected and closed without a word (e.g. a liveness probe).
                }

                reply = ControlRequestHandler.Error(problem);
                result = ConnectionResult.Refused;
            }
            else if (handler.OpenStream(request.Value, out byte[]? refusal) is { } stream)
            {
                // The stream owns the connection from here on, with its own end conditions instead of the deadline.
                await stream.RunAsync(client, stopping).ConfigureAwait(false);
                return ConnectionResult.Streamed;
            }
            else
            {
                reply = refusal ?? handler.Handle(request.Value);
                result = refusal is null ? ConnectionResult.Answered : ConnectionResult.Refused;
            }
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            reply = ControlRequestHandler.Error($"no complete request line within {timeout.TotalSeconds:0.#} s");
            result = ConnectionResult.TimedOut;
        }

        using var sendDeadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        sendDeadline.CancelAfter(timeout);
        await client.SendAsync(reply, SocketFlags.None, sendDeadline.Token).ConfigureAwait(false);
        client.Shutdown(SocketShutdown.Send);
        await DiscardUnreadAsync(client, stopping).ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// Answers a client the daemon will not serve with an error reply (its request unread), so it learns why, and
    /// closes: the same send, half-close and bounded drain as an answer.
    /// </summary>
    public static async Task RefuseAsync(Socket client, string problem, TimeSpan timeout, CancellationToken stopping)
    {
        using var sendDeadline = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        sendDeadline.CancelAfter(timeout);
        await client.SendAsync(ControlRequestHandler.Error(problem), SocketFlags.None, sendDeadline.Token).ConfigureAwait(false);
        client.Shutdown(SocketShutdown.Send);
        await DiscardUnreadAsync(client, stopping).ConfigureAwait(false);
    }

    /// <summary>
    /// Closing a Unix stream socket with unread input resets the peer, which can destroy the reply before
    /// the client reads it (an oversized request is the usual case). So read and drop what is left —
    /// bounded in bytes and time — until the client closes its side.
    /// </summary>
    private static async Task DiscardUnreadAsync(Socket client, CancellationToken stopping)
    {
        using var linger = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        linger.CancelAfter(LingerTimeout);
        byte[] sink = new byte[16 * 1024];
        long discarded = 0;
        try
        {
            int read;
            while (discarded < MaxDiscardBytes && (read = await client.ReceiveAsync(sink, SocketFlags.None, linger.Token).ConfigureAwait(false)) > 0)
            {
                discarded += read;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException)
        {
            // The client neither closed nor stopped sending in time; the reply is already on its way.
        }
    }

    /// <summary>Reads up to the first '\n'. Returns the line (without it), or null and why not.</summary>
    private static async Task<(ReadOnlyMemory<byte>? Line, string? Problem)> ReadRequestLineAsync(Socket client, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[MaxRequestBytes];
        int filled = 0;
        while (filled < buffer.Length)
        {
            int read = await client.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                // The client half-closed: what it sent so far is the request (a trailing newline is optional).
                return filled == 0 ? (null, null) : (buffer.AsMemory(0, filled), null);
            }

            int newline = buffer.AsSpan(filled, read).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                return (buffer.AsMemory(0, filled + newline), null);
            }

            filled += read;
        }

        return (null, $"request line longer than {MaxRequestBytes} bytes");
    }
}

public enum ConnectionResult
{
    Answered,
    Refused,
    TimedOut,
    Empty,

    /// <summary>A streaming verb (capture) ran on the connection until its end.</summary>
    Streamed,
}
