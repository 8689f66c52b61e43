using System.Numerics;

namespace Overlay.DataPlane.Replay;

/// <summary>
/// Anti-replay window for one inbound SA (RFC 4303 §3.4.3) kept as an RFC 6479 bitmap ring over
/// 64-bit (ESN) sequence numbers, safe for several receive threads at once without a lock.
/// <para>
/// The ring holds a power-of-two number of 64-bit blocks. Each block carries 32 sequence numbers
/// in its low half and, in its high half, the block's own number (<c>s / 32</c>, its low 32 bits):
/// its generation. A sequence number <c>s</c> lives in slot <c>(s / 32) mod blocks</c>, bit
/// <c>s mod 32</c>. A slot whose generation is not <c>s / 32</c> holds an older block: <c>s</c> is
/// unseen, and marking it replaces the slot with a fresh block of its own generation. So sliding
/// the window clears nothing eagerly (RFC 6479 §2 clears whole blocks; here the generation tag
/// makes a stale block read as empty), and every change is one compare-and-swap of one block.
/// The ring has at least one block more than the window, so a slot never holds a newer block
/// while <c>s</c> is still inside the window.
/// </para>
/// <para>
/// Use: <see cref="CanAccept"/> before decryption (cheap rejection of replays), then
/// <see cref="MarkAuthenticated"/> only after the ICV verified, so forged packets never move the window.
/// </para>
/// <para>
/// Concurrency: <see cref="MarkAuthenticated"/> returns true at most once per sequence number, ever,
/// whatever the callers' interleaving. It raises the top (compare-and-swap maximum) before it sets
/// the bit, so any thread that sees a block also sees a top at least as high as that block's numbers,
/// and a number whose slot was reused by a newer block is already below the window. With reordering
/// smaller than the window and no copies offered, nothing is rejected. The generation tag is 32 bits:
/// a slot last written 2^37 numbers or more before the top may read as current and reject (never
/// accept) a number: a sender counts by one, so this needs 2^37 numbers skipped in a row.
/// </para>
/// </summary>
public sealed class ReplayWindow
{
    /// <summary>RFC 4303 §3.4.3 asks for at least 32 packets; the design asks for at least 1024.</summary>
    public const int MinSize = 1024;

    /// <summary>Upper bound on the window we allocate (bits).</summary>
    public const int MaxSize = 1 << 16;

    private const int BitsPerBlockLog2 = 5;
    private const int BitsPerBlock = 1 << BitsPerBlockLog2;

    private readonly ulong[] _ring;
    private readonly ulong _slotMask;
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
        _slotMask = (ulong)blocks - 1;
        _top = top;

        // Every slot starts as an empty block of a generation older than any the window can ask about.
        ulong stale = (top >> BitsPerBlockLog2) - (ulong)blocks;
        for (int i = 0; i < blocks; i++)
        {
            _ring[i] = (ulong)(uint)stale << 32;
        }
    }

    /// <summary>Window size in packets.</summary>
    public int Size { get; }

    /// <summary>Highest sequence number marked authenticated so far (0 before the first).</summary>
    public ulong Top => Volatile.Read(ref _top);

    public static bool IsValidSize(int size) =>
        size >= MinSize && size <= MaxSize && BitOperations.IsPow2(size);

    /// <summary>True when <paramref name="sequence"/> is new: ahead of the window, or inside it and unseen.</summary>
    public bool CanAccept(ulong sequence)
    {
        if (sequence == 0)
        {
            return false; // RFC 4303 §3.3.3: the first packet carries 1; 0 is never sent.
        }

        ref ulong slot = ref _ring[(sequence >> BitsPerBlockLog2) & _slotMask];
        ulong block = Volatile.Read(ref slot);
        ulong top = Volatile.Read(ref _top);
        if (sequence <= top && top - sequence >= (ulong)Size)
        {
            return false;
        }

        return !IsCurrent(block, sequence) || (block & Bit(sequence)) == 0;
    }

    /// <summary>
    /// Records an authenticated packet, sliding the window forward when it is the newest.
    /// Returns false (and changes nothing) if the number has become unacceptable since
    /// <see cref="CanAccept"/> was asked, so a caller that checks and marks at different times,
    /// or several threads marking copies of one packet at once, never deliver a duplicate.
    /// </summary>
    public bool MarkAuthenticated(ulong sequence)
    {
        if (sequence == 0)
        {
            return false;
        }

        ref ulong slot = ref _ring[(sequence >> BitsPerBlockLog2) & _slotMask];
        ulong bit = Bit(sequence);
        ulong fresh = (sequence >> BitsPerBlockLog2) << 32; // the generation tag, empty bitmap
        while (true)
        {
            // Block first, then top: whoever wrote the block raised the top before, so a top read
            // after the block is at least as high as every number of the block.
            ulong block = Volatile.Read(ref slot);
            ulong top = Volatile.Read(ref _top);
            if (sequence <= top && top - sequence >= (ulong)Size)
            {
                return false;
            }

            ulong updated;
            if (IsCurrent(block, sequence))
            {
                if ((block & bit) != 0)
                {
                    return false;
                }

                updated = block | bit;
            }
            else
            {
                updated = fresh | bit; // an older block: it is out of the window, start this one
            }

            if (sequence > top)
            {
                RaiseTop(sequence);
            }

            if (Interlocked.CompareExchange(ref slot, updated, block) == block)
            {
                return true;
            }
        }
    }

    /// <summary>
    /// Infers the full 64-bit number from the 32 bits on the wire, RFC 4303 Appendix A2.1: the high
    /// half is the window top's, or one more when the low half wrapped ahead of the window, or one
    /// less when it belongs just below a recent wrap.
    /// </summary>
    public ulong InferEsn(uint sequenceLow)
    {
        ulong top = Volatile.Read(ref _top);
        uint topLow = (uint)top;
        uint topHigh = (uint)(top >> 32);
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

    /// <summary>True when <paramref name="block"/> is the generation that holds <paramref name="sequence"/>.</summary>
    private static bool IsCurrent(ulong block, ulong sequence) =>
        (uint)(block >> 32) == (uint)(sequence >> BitsPerBlockLog2);

    private static ulong Bit(ulong sequence) => 1UL << (int)(sequence & (BitsPerBlock - 1));

    /// <summary>Top = max(top, sequence), by compare-and-swap.</summary>
    private void RaiseTop(ulong sequence)
    {
        ulong top = Volatile.Read(ref _top);
        while (sequence > top)
        {
            ulong seen = Interlocked.CompareExchange(ref _top, sequence, top);
            if (seen == top)
            {
                return;
            }

            top = seen;
        }
    }
}
