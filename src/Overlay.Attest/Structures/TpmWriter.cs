using System.Buffers.Binary;

namespace Overlay.Attest.Structures;

/// <summary>Growable big-endian writer for TPM wire structures (not on a hot path: used to build commands and files).</summary>
public sealed class TpmWriter
{
    private byte[] _buffer;
    private int _length;

    public TpmWriter(int capacity = 256) => _buffer = new byte[Math.Max(16, capacity)];

    public int Length => _length;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    public byte[] ToArray() => WrittenSpan.ToArray();

    public void WriteU8(byte value) => Reserve(1)[0] = value;

    public void WriteU16(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Reserve(2), value);

    public void WriteU32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Reserve(4), value);

    public void WriteU64(ulong value) => BinaryPrimitives.WriteUInt64BigEndian(Reserve(8), value);

    public void WriteBytes(ReadOnlySpan<byte> value) => value.CopyTo(Reserve(value.Length));

    /// <summary>Writes a TPM2B (u16 size, then the bytes).</summary>
    public void Write2B(ReadOnlySpan<byte> value)
    {
        if (value.Length > ushort.MaxValue)
        {
            throw new ArgumentException("a TPM2B holds at most 65535 bytes", nameof(value));
        }

        WriteU16((ushort)value.Length);
        WriteBytes(value);
    }

    private Span<byte> Reserve(int count)
    {
        if (_length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        }

        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }
}
