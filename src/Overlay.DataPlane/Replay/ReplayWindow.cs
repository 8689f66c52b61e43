using System.Numerics;

namespace Overlay.DataPlane.Replay;

/// <summary>
/// Anti-replay window for one inbound SA (RFC 4303 §3.4.3) kept as an RFC 6479 bitmap ring over
/// 64-bit (ESN) sequence numbers.
/// <para>
/// The ring holds a power-of-two number of 64-bit blocks, at least one block more than the window,
/// so that sliding the window forward only clears whole blocks (RFC 6479 §2) instead of shifting bits.
/// A sequence number <c>s</c> lives in block <c>(s / 64) mod blocks</c>, bit <c>s mod 64</c>.
/// </para>
/// <para>
/// Use: <see cref="CanAccept"/> before decryption (cheap rejection of replays), then
/// <see cref="MarkAuthenticated"/> only after the ICV verified, so forged packets never move the window.
/// </para>
/// Not thread-safe; owned by the SA's receive stage.
/// </summary>
public sealed class ReplayWindow
{
    /// <summary>RFC 4303 §3.4.3 asks for at least 32 packets; the design asks for at least 1024.</summary>
    public const int MinSize = 1024;

    /// <summary>Upper bound on the window we allocate (bits).</summary>
    public const int MaxSize = 1 << 16;

    private const int BitsPerBlockLog2 = 6;
    private const int BitsPerBlock = 1 << BitsPerBlockLog2;

    private readonly ulong[] _ring;
    private readonly ulong _blockMask;
    private ulong _top;

    /// <summary>Creates a window of <paramref name="size"/> packets: a power of two, at least 1024.</summary>
    public ReplayWindow(int size = MinSize)
        : this(size, 0)
    {
    }

    /// <summary>
    /// Creates a window whose highest authenticated number is already <paramref name="top"/>; used by
    /// tests that replay published vectors with large sequence numbers.
    /// </summary>
    internal ReplayWindow(int size, ulong top)
    {
        if (!IsValidSize(size))
        {
            throw new ArgumentOutOfRangeException(
                nameof(size), size, $"Replay window must be a power of two in [{MinSize}, {MaxSize}].");
        }

        Size = size;
        int blocks = (int)BitOperations.RoundUpToPowerOf2((uint)(size / BitsPerBlock) + 1);
        _ring = new ulong[blocks];
        _blockMask = (ulong)blocks - 1;
        _top = top;
    }

    /// <summary>Window size in packets.</summary>
    public int Size { get; }

    /// <summary>Highest sequence number marked authenticated so far (0 before the first).</summary>
    public ulong Top => _top;

    public static bool IsValidSize(int size) =>
        size >= MinSize && size <= MaxSize && BitOperations.IsPow2(size);

    /// <summary>True when <paramref name="sequence"/> is new: ahead of the window, or inside it and unseen.</summary>
    public bool CanAccept(ulong sequence)
    {
        if (sequence == 0)
        {
            return false; // RFC 4303 §3.3.3: the first packet carries 1; 0 is never sent.
        }

        if (sequence > _top)
        {
            return true;
        }

        if (_top - sequence >= (ulong)Size)
        {
            return false;
        }

        ulong block = _ring[(sequence >> BitsPerBlockLog2) & _blockMask];
        return (block & (1UL << (int)(sequence & (BitsPerBlock - 1)))) == 0;
    }

    /// <summary>
    /// Records an authenticated packet, sliding the window forward when it is the newest.
    /// Returns false (and changes nothing) if the number has become unacceptable since
    /// <see cref="CanAccept"/> was asked, so a caller that checks and marks at different times
    /// still never delivers a duplicate.
    /// </summary>
    public bool MarkAuthenticated(ulong sequence)
    {
        if (!CanAccept(sequence))
        {
            return false;
        }

        if (sequence > _top)
        {
            Advance(sequence);
        }

        _ring[(sequence >> BitsPerBlockLog2) & _blockMask] |= 1UL << (int)(sequence & (BitsPerBlock - 1));
        return true;
    }

    /// <summary>
    /// Infers the full 64-bit number from the 32 bits on the wire, RFC 4303 Appendix A2.1: the high
    /// half is the window top's, or one more when the low half wrapped ahead of the window, or one
    /// less when it belongs just below a recent wrap.
    /// </summary>
    public ulong InferEsn(uint sequenceLow)
    {
        uint topLow = (uint)_top;
        uint topHigh = (uint)(_top >> 32);
        uint windowMinusOne = (uint)Size - 1;
        uint bottomLow = unchecked(topLow - windowMinusOne);
        uint high;

        if (topLow >= windowMinusOne)
        {
            // Case A: the window lies within one 2^32 subspace.
            high = sequenceLow >= bottomLow ? topHigh : unchecked(topHigh + 1);
        }
        else
        {
            // Case B: the window spans the subspace boundary; a large low half belongs below it.
            high = sequenceLow >= bottomLow && topHigh > 0 ? topHigh - 1 : topHigh;
        }

        return ((ulong)high << 32) | sequenceLow;
    }

    private void Advance(ulong sequence)
    {
        ulong currentBlock = _top >> BitsPerBlockLog2;
        ulong newBlock = sequence >> BitsPerBlockLog2;
        ulong toClear = Math.Min(newBlock - currentBlock, (ulong)_ring.Length);
        for (ulong i = 1; i <= toClear; i++)
        {
            _ring[(currentBlock + i) & _blockMask] = 0;
        }

        _top = sequence;
    }
}
