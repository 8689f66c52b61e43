using System.Net.Sockets;
using Overlay.Common.Capture;

namespace Overlay.Cli.Capture;

/// <summary>
/// Reads a capture stream (docs/cli.md): the JSON header line, at most <see cref="MaxLineBytes"/>, then binary
/// records, each at most a <see cref="CaptureRecordHeader"/> and <see cref="CaptureRecordHeader.MaxBodyLength"/>
/// octets. Whatever the daemon sends, tvdctl's buffer stays this one array.
/// </summary>
internal sealed class CaptureStreamReader(Socket socket)
{
    /// <summary>The header line (or an error line) is a few hundred octets; this bounds a line that never ends.</summary>
    public const int MaxLineBytes = 64 * 1024;

    private const int MaxRecordBytes = CaptureRecordHeader.Length + CaptureRecordHeader.MaxBodyLength;

    private readonly byte[] _buffer = new byte[2 * Math.Max(MaxLineBytes, MaxRecordBytes)];
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

            if (!await FillAsync(cancellationToken))
            {
                if (_end == _start)
                {
                    return null;
                }

                var last = _buffer.AsMemory(_start, _end - _start);
                _start = _end;
                return last;
            }
        }
    }

    /// <summary>The next record; null when the stream ended between records.</summary>
    /// <exception cref="InvalidDataException">A record header not as documented, or the stream ended inside a record.</exception>
    public async Task<CaptureRecord?> ReadRecordAsync(CancellationToken cancellationToken)
    {
        if (!await EnsureAsync(CaptureRecordHeader.Length, cancellationToken))
        {
            return _end == _start ? null : throw new InvalidDataException("the capture stream ended inside a record header");
        }

        if (!CaptureRecordHeader.TryParse(_buffer.AsSpan(_start, _end - _start), out CaptureRecordHeader header))
        {
            throw new InvalidDataException($"a capture record header is not as documented (octets {Convert.ToHexString(_buffer, _start, CaptureRecordHeader.Length)})");
        }

        int length = CaptureRecordHeader.Length + header.BodyLength;
        if (!await EnsureAsync(length, cancellationToken))
        {
            throw new InvalidDataException($"the capture stream ended inside a {header.Type} record ({_end - _start} of {length} octets)");
        }

        var body = _buffer.AsMemory(_start + CaptureRecordHeader.Length, header.BodyLength);
        _start += length;
        return new CaptureRecord(header.Type, body);
    }

    /// <summary>True once <paramref name="count"/> unread octets are buffered; false when the stream ended first.</summary>
    private async Task<bool> EnsureAsync(int count, CancellationToken cancellationToken)
    {
        while (_end - _start < count)
        {
            if (!await FillAsync(cancellationToken))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Moves the unread octets to the front and receives more; false at the end of the stream.</summary>
    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        int read = await socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken);
        _end += read;
        return read > 0;
    }
}

/// <summary>One record of the capture stream; <see cref="Body"/> is valid until the next read.</summary>
internal readonly record struct CaptureRecord(CaptureRecordType Type, ReadOnlyMemory<byte> Body);
