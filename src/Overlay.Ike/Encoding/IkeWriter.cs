using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;

namespace Overlay.Ike.Encoding;

/// <summary>
/// A forward-only cursor that writes big-endian fields into a caller-sized span. Callers size
/// the span with GetEncodedLength(), so running out of room is a bug in this library and throws
/// (through a [DoesNotReturn] helper); peer data never reaches a throw here.
/// </summary>
public ref struct IkeWriter
{
    private readonly Span<byte> _buffer;
    private int _position;

    public IkeWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _buffer.Length - _position;

    /// <summary>The bytes written so far.</summary>
    public readonly Span<byte> Written => _buffer[.._position];

    public void WriteByte(byte value) => Reserve(1)[0] = value;

    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Reserve(2), value);

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Reserve(4), value);

    public void WriteUInt64(ulong value) => BinaryPrimitives.WriteUInt64BigEndian(Reserve(8), value);

    public void WriteBytes(ReadOnlySpan<byte> value) => value.CopyTo(Reserve(value.Length));

    /// <summary>Writes <paramref name="count"/> zero octets (reserved fields).</summary>
    public void WriteZeros(int count) => Reserve(count).Clear();

    /// <summary>Claims <paramref name="count"/> octets and returns them for the caller to fill (or patch later).</summary>
    public Span<byte> Reserve(int count)
    {
        if ((uint)count > (uint)Remaining)
        {
            ThrowTooSmall(count, Remaining);
        }

        var span = _buffer.Slice(_position, count);
        _position += count;
        return span;
    }

    [DoesNotReturn]
    private static void ThrowTooSmall(int wanted, int remaining)
        => throw new InvalidOperationException($"IkeWriter: {wanted} octets do not fit in the {remaining} remaining; GetEncodedLength() and Write() disagree.");
}
