namespace Overlay.Ike.Fuzz;

/// <summary>
/// Byte-level mutations in the style of libFuzzer's MutationDispatcher, aimed at a TLV format:
/// bit flips, interesting values (0, 0xff, 0x7f, 0x80, lengths ±1) written as 1, 2 or 4 octets
/// big-endian (IKE's length fields), inserted, erased and duplicated ranges, truncation and
/// splicing with another corpus entry. Deterministic for a given seed (xorshift64*, not a
/// cryptographic generator: it only picks mutations), so a run can be repeated.
/// </summary>
public sealed class Mutator(ulong seed)
{
    /// <summary>IKE messages fit a UDP datagram; bigger inputs only waste time.</summary>
    public const int MaxLength = 65535;

    private static readonly uint[] Interesting = [0, 1, 2, 3, 4, 7, 8, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0xffffffff];

    private ulong _state = seed == 0 ? 0x9e3779b97f4a7c15 : seed;

    public int Next(int maxExclusive)
    {
        _state ^= _state >> 12;
        _state ^= _state << 25;
        _state ^= _state >> 27;
        return (int)((_state * 0x2545F4914F6CDD1DUL >> 33) % (ulong)Math.Max(1, maxExclusive));
    }

    /// <summary>One to four stacked mutations of <paramref name="input"/>.</summary>
    public byte[] Mutate(byte[] input, IReadOnlyList<byte[]> corpus)
    {
        var data = new List<byte>(input);
        var rounds = 1 + Next(4);
        for (var i = 0; i < rounds; i++)
        {
            MutateOnce(data, corpus);
        }

        if (data.Count > MaxLength)
        {
            data.RemoveRange(MaxLength, data.Count - MaxLength);
        }

        return [.. data];
    }

    private void MutateOnce(List<byte> data, IReadOnlyList<byte[]> corpus)
    {
        if (data.Count == 0)
        {
            data.Add((byte)Next(256));
            return;
        }

        var at = Next(data.Count);
        switch (Next(8))
        {
            case 0:
                data[at] ^= (byte)(1 << Next(8));
                break;
            case 1:
                data[at] = (byte)Next(256);
                break;
            case 2:
                WriteInteresting(data, at);
                break;
            case 3:
                data.RemoveRange(at, Math.Min(data.Count - at, 1 + Next(16)));
                break;
            case 4:
                data.InsertRange(at, Enumerable.Range(0, 1 + Next(16)).Select(_ => (byte)Next(256)));
                break;
            case 5:
                var length = Math.Min(data.Count - at, 1 + Next(64));
                data.InsertRange(Next(data.Count), data.GetRange(at, length));
                break;
            case 6:
                data.RemoveRange(at, data.Count - at);
                break;
            default:
                var other = corpus[Next(corpus.Count)];
                var from = Next(other.Length);
                data.RemoveRange(at, data.Count - at);
                data.AddRange(other.AsSpan(from, Math.Min(other.Length - from, 1 + Next(256))).ToArray());
                break;
        }
    }

    /// <summary>Writes an interesting value (±1) as 1, 2 or 4 big-endian octets: IKE length and count fields.</summary>
    private void WriteInteresting(List<byte> data, int at)
    {
        var value = Interesting[Next(Interesting.Length)] + (uint)(Next(3) - 1);
        var width = Next(3) switch { 0 => 1, 1 => 2, _ => 4 };
        for (var i = 0; i < width && at + i < data.Count; i++)
        {
            data[at + i] = (byte)(value >> (8 * (width - 1 - i)));
        }
    }
}
