using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Overlay.DataPlane.Offload;

/// <summary>
/// The Internet checksum (RFC 1071): the 16-bit ones' complement of the ones' complement sum. A
/// protocol checksum, not cryptography. The sum is byte-order independent (RFC 1071 §2 B), so it adds
/// native 64-bit words with end-around carry and swaps once at the end. Partial sums are 16-bit values
/// in network order (held in a uint), combined with <see cref="Add"/>; each summed piece must start at
/// an even offset of the checksummed data. Long inputs are summed 32 bytes at a time as 32-bit words
/// widened into 64-bit lanes (no carries to chase: 2^32 additions cannot overflow a lane).
/// </summary>
public static class InternetChecksum
{
    /// <summary>The ones' complement sum of <paramref name="data"/> added to <paramref name="partial"/>.</summary>
    public static uint Sum(ReadOnlySpan<byte> data, uint partial = 0)
    {
        ulong sum = 0;
        ref byte start = ref MemoryMarshal.GetReference(data);
        int length = data.Length;
        int i = 0;
        if (Vector256.IsHardwareAccelerated && length >= 128)
        {
            Vector256<ulong> lanes = Vector256<ulong>.Zero;
            for (; i + 32 <= length; i += 32)
            {
                Vector256<uint> words = Vector256.LoadUnsafe(ref Unsafe.Add(ref start, i)).AsUInt32();
                (Vector256<ulong> low, Vector256<ulong> high) = Vector256.Widen(words);
                lanes += low + high;
            }

            for (int lane = 0; lane < Vector256<ulong>.Count; lane++)
            {
                ulong value = lanes.GetElement(lane);
                sum = AddCarry(sum, (value & 0xFFFF_FFFF) + (value >> 32));
            }
        }

        for (; i + 32 <= length; i += 32)
        {
            sum = AddCarry(sum, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i)));
            sum = AddCarry(sum, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i + 8)));
            sum = AddCarry(sum, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i + 16)));
            sum = AddCarry(sum, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i + 24)));
        }

        for (; i + 8 <= length; i += 8)
        {
            sum = AddCarry(sum, Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i)));
        }

        for (; i + 2 <= length; i += 2)
        {
            sum = AddCarry(sum, Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref start, i)));
        }

        if (i < length)
        {
            // An odd last byte is the high byte of a big-endian word, the low byte of a native one.
            sum = AddCarry(sum, Unsafe.Add(ref start, i));
        }

        ushort native = Fold(sum);
        ushort network = BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(native) : native;
        return Add(partial, network);
    }

    /// <summary>Adds two partial sums.</summary>
    public static uint Add(uint a, uint b) => Fold((ulong)a + b);

    /// <summary>The checksum to store: the complement of the sum.</summary>
    public static ushort Complement(uint partial) => (ushort)~Fold(partial);

    /// <summary>The IPv4 pseudo-header (RFC 793 §3.1, RFC 768) of an L4 segment of <paramref name="length"/> bytes.</summary>
    public static uint PseudoHeaderV4(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, byte protocol, int length)
    {
        uint sum = Sum(source[..4]);
        sum = Sum(destination[..4], sum);
        return Add(sum, (uint)protocol + (uint)length);
    }

    /// <summary>The IPv6 pseudo-header (RFC 8200 §8.1).</summary>
    public static uint PseudoHeaderV6(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, byte protocol, int length)
    {
        uint sum = Sum(source[..16]);
        sum = Sum(destination[..16], sum);
        sum = Add(sum, (uint)length >> 16);
        sum = Add(sum, (uint)length & 0xFFFF);
        return Add(sum, protocol);
    }

    /// <summary>The IPv4 header checksum of <paramref name="header"/> (its checksum field must be zero).</summary>
    public static ushort IPv4Header(ReadOnlySpan<byte> header) => Complement(Sum(header));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong AddCarry(ulong sum, ulong value)
    {
        ulong result = sum + value;
        return result + (result < value ? 1UL : 0UL);
    }

    private static ushort Fold(ulong sum)
    {
        sum = (sum & 0xFFFF_FFFF) + (sum >> 32);
        sum = (sum & 0xFFFF_FFFF) + (sum >> 32);
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)sum;
    }
}
