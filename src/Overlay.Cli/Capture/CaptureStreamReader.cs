using System.Net.Sockets;

namespace Overlay.Cli.Capture;

/// <summary>
/// Reads the newline-separated JSON lines of a streaming control reply (docs/cli.md), each at most
/// <see cref="MaxLineBytes"/>: a line the daemon never ends cannot grow tvdctl's memory without bound.
/// </summary>
internal sealed class CaptureStreamReader(Socket socket)
{
    /// <summary>A frame line is its base64 octets (at most 14 + 9000 of them) and a few hundred octets around them.</summary>
    public const int MaxLineBytes = 64 * 1024;

    private readonly byte[] _buffer = new byte[2 * MaxLineBytes];
    private int _start;
    private int _end;

    /// <summary>The next line without its newline; null at the end of the stream (a last line without newline is returned).</summary>
    /// <exception cref="InvalidDataException">A line longer than <see cref="MaxLineBytes"/>.</exception>
    public async Task<ReadOnlyMemory<byte>?> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            int newline = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                var line = _buffer.AsMemory(_start, newline);
                _start += newline + 1;
                return line;
            }

            if (_end - _start > MaxLineBytes)
            {
                throw new InvalidDataException($"a line from tvd-overlayd is longer than {MaxLineBytes} octets");
            }

            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }

            int read = await socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                if (_end == _start)
                {
                    return null;
                }

                var last = _buffer.AsMemory(_start, _end - _start);
                _start = _end;
                return last;
            }

            _end += read;
        }
    }
}
