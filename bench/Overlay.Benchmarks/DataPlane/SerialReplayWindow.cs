using System.Numerics;

namespace Overlay.Benchmarks.DataPlane;

/// <summary>
/// The replay window as it was before it took concurrent callers (one thread, plain stores, blocks cleared
/// eagerly when the window slides): kept here only as the "before" row of <see cref="ReplayWindowBenchmarks"/>.
/// </summary>
internal sealed class SerialReplayWindow
{
    private const int BitsPerBlockLog2 = 6;
    private const int BitsPerBlock = 1 << BitsPerBlockLog2;

    private readonly ulong[] _ring;
    private readonly ulong _blockMask;
    private ulong _top;

    /// <summary>Creates a window of <paramref name="size"/> packets: a power of two, at least 1024.</summary>
    public SerialReplayWindow(int size, ulong top = 0)
    {
        Size = size;
        int blocks = (int)BitOperations.RoundUpToPowerOf2((uint)(size / BitsPerBlock) + 1);
        _ring = new ulong[blocks];
        _blockMask = (ulong)blocks - 1;
        _top = top;
    }

    /// <summary>Window size in packets.</summary>
    public int Size { get; }

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
