using System.Buffers.Binary;

namespace Overlay.Ike.Encoding;

/// <summary>
/// A forward-only, bounds-checked cursor over received bytes. Every read is a Try* that
/// checks the bytes remaining first, in every build configuration; a failed read records an
/// <see cref="IkeParseError"/> in <see cref="Error"/> so callers can simply return false.
/// </summary>
public ref struct IkeReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private int _position;

    public IkeReader(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
        Error = default;
    }

    /// <summary>
    /// The last failure recorded by this reader, or <see cref="IkeParseError.None"/>. The last one
    /// wins because callers add context on the way out ("truncated TS payload" replaces the
    /// primitive's "expected 1 octet").
    /// </summary>
    public IkeParseError Error { get; private set; }

    public readonly int Position => _position;

    public readonly int Remaining => _buffer.Length - _position;

    public readonly bool IsEmpty => _position >= _buffer.Length;

    /// <summary>The bytes not yet read.</summary>
    public readonly ReadOnlySpan<byte> RemainingSpan => _buffer[_position..];

    /// <summary>Records <paramref name="error"/> and returns false, so "return r.Fail(...)" reads naturally.</summary>
    public bool Fail(IkeParseError error)
    {
        Error = error;
        return false;
    }

    /// <summary>Records a syntax error (INVALID_SYNTAX) and returns false.</summary>
    public bool Fail(string reason, IkePayloadType payload = IkePayloadType.NoNextPayload)
        => Fail(IkeParseError.Syntax(reason, payload));

    public bool TryReadByte(out byte value)
    {
        if (Remaining < 1)
        {
            value = 0;
            return Fail("truncated: expected 1 octet");
        }

        value = _buffer[_position++];
        return true;
    }

    public bool TryReadUInt16(out ushort value)
    {
        if (Remaining < 2)
        {
            value = 0;
            return Fail("truncated: expected 2 octets");
        }

        value = BinaryPrimitives.ReadUInt16BigEndian(_buffer.Slice(_position, 2));
        _position += 2;
        return true;
    }

    public bool TryReadUInt32(out uint value)
    {
        if (Remaining < 4)
        {
            value = 0;
            return Fail("truncated: expected 4 octets");
        }

        value = BinaryPrimitives.ReadUInt32BigEndian(_buffer.Slice(_position, 4));
        _position += 4;
        return true;
    }

    public bool TryReadUInt64(out ulong value)
    {
        if (Remaining < 8)
        {
            value = 0;
            return Fail("truncated: expected 8 octets");
        }

        value = BinaryPrimitives.ReadUInt64BigEndian(_buffer.Slice(_position, 8));
        _position += 8;
        return true;
    }

    /// <summary>Reads exactly <paramref name="count"/> octets; a negative or too-large count fails.</summary>
    public bool TryReadBytes(int count, out ReadOnlySpan<byte> value)
    {
        if (count < 0 || count > Remaining)
        {
            value = default;
            return Fail("length exceeds the bytes remaining");
        }

        value = _buffer.Slice(_position, count);
        _position += count;
        return true;
    }

    /// <summary>Skips <paramref name="count"/> octets (reserved fields).</summary>
    public bool TrySkip(int count) => TryReadBytes(count, out _);

    /// <summary>Reads all remaining octets.</summary>
    public ReadOnlySpan<byte> ReadToEnd()
    {
        var rest = _buffer[_position..];
        _position = _buffer.Length;
        return rest;
    }

    /// <summary>
    /// Cuts a sub-reader of <paramref name="count"/> octets for a length-prefixed structure and
    /// advances past it; the sub-reader cannot read beyond the structure.
    /// </summary>
    public bool TrySlice(int count, out IkeReader inner)
    {
        if (!TryReadBytes(count, out var bytes))
        {
            inner = default;
            return false;
        }

        inner = new IkeReader(bytes);
        return true;
    }
}
