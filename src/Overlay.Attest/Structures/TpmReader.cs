using System.Buffers.Binary;

namespace Overlay.Attest.Structures;

/// <summary>
/// Cursor over TPM wire data (big-endian, TPM 2.0 Part 1 §18). Every read checks the bytes remaining and
/// returns false rather than throwing, so a truncated or hostile blob never escapes as an exception.
/// </summary>
public ref struct TpmReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _offset;

    public TpmReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _offset = 0;
    }

    public readonly int Offset => _offset;

    public readonly int Remaining => _data.Length - _offset;

    public bool TryReadU8(out byte value)
    {
        if (Remaining < 1)
        {
            value = 0;
            return false;
        }

        value = _data[_offset++];
        return true;
    }

    public bool TryReadU16(out ushort value)
    {
        if (Remaining < 2)
        {
            value = 0;
            return false;
        }

        value = BinaryPrimitives.ReadUInt16BigEndian(_data.Slice(_offset));
        _offset += 2;
        return true;
    }

    public bool TryReadU32(out uint value)
    {
        if (Remaining < 4)
        {
            value = 0;
            return false;
        }

        value = BinaryPrimitives.ReadUInt32BigEndian(_data.Slice(_offset));
        _offset += 4;
        return true;
    }

    public bool TryReadU64(out ulong value)
    {
        if (Remaining < 8)
        {
            value = 0;
            return false;
        }

        value = BinaryPrimitives.ReadUInt64BigEndian(_data.Slice(_offset));
        _offset += 8;
        return true;
    }

    public bool TryReadBytes(int count, out ReadOnlySpan<byte> value)
    {
        if (count < 0 || Remaining < count)
        {
            value = default;
            return false;
        }

        value = _data.Slice(_offset, count);
        _offset += count;
        return true;
    }

    /// <summary>Reads a TPM2B: a u16 size followed by that many bytes, rejecting sizes above <paramref name="max"/>.</summary>
    public bool TryRead2B(out ReadOnlySpan<byte> value, int max = ushort.MaxValue)
    {
        value = default;
        return TryReadU16(out var size) && size <= max && TryReadBytes(size, out value);
    }
}
