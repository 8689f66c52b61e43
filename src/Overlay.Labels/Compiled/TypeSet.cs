using System.Numerics;

namespace Overlay.Labels.Compiled;

/// <summary>
/// An immutable set of type ids as a bitmap. Type ids are dense (0..N-1) and assigned when a policy
/// is compiled, so every set of one policy has the same word count and the set operations a
/// decision needs are a handful of AND instructions with no allocation.
/// </summary>
public sealed class TypeSet
{
    private readonly ulong[] _words;

    internal TypeSet(ulong[] words) => _words = words;

    public static TypeSet Create(int typeCount, IEnumerable<int> typeIds)
    {
        var words = new ulong[WordCount(typeCount)];
        foreach (var id in typeIds)
        {
            words[id >> 6] |= 1UL << (id & 63);
        }

        return new TypeSet(words);
    }

    internal static int WordCount(int typeCount) => Math.Max(1, (typeCount + 63) >> 6);

    internal ReadOnlySpan<ulong> Words => _words;

    public bool IsEmpty => !_words.AsSpan().ContainsAnyExcept(0UL);

    public bool Contains(int typeId) => (_words[typeId >> 6] & (1UL << (typeId & 63))) != 0;

    /// <summary>The lowest type id in both sets, or -1 when they share none.</summary>
    public int FirstCommon(TypeSet other) => FirstCommon(_words, other._words);

    /// <summary>The lowest type id of this set that <paramref name="other"/> lacks, or -1.</summary>
    public int FirstNotIn(TypeSet other)
    {
        var a = _words;
        var b = other._words;
        for (var i = 0; i < a.Length; i++)
        {
            var missing = a[i] & ~b[i];
            if (missing != 0)
            {
                return (i << 6) + BitOperations.TrailingZeroCount(missing);
            }
        }

        return -1;
    }

    internal static int FirstCommon(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b)
    {
        for (var i = 0; i < a.Length; i++)
        {
            var common = a[i] & b[i];
            if (common != 0)
            {
                return (i << 6) + BitOperations.TrailingZeroCount(common);
            }
        }

        return -1;
    }

    public IEnumerable<int> Ids()
    {
        for (var i = 0; i < _words.Length; i++)
        {
            var w = _words[i];
            while (w != 0)
            {
                yield return (i << 6) + BitOperations.TrailingZeroCount(w);
                w &= w - 1;
            }
        }
    }
}
