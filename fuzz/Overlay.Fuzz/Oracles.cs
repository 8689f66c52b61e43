namespace Overlay.Fuzz;

/// <summary>The checks a target applies beyond "no exception" (docs/fuzzing.md lists them per target).</summary>
public static class Oracles
{
    /// <summary>Off only while <see cref="FuzzTarget.Run"/> warms a target up.</summary>
    [ThreadStatic]
    private static bool _allocationChecksOff;

    public static bool AllocationChecks
    {
        get => !_allocationChecksOff;
        set => _allocationChecksOff = !value;
    }

    /// <summary>Bytes allocated so far on this thread; pass it to <see cref="CheckAllocation"/> after the decode.</summary>
    public static long AllocatedBytes() => GC.GetAllocatedBytesForCurrentThread();

    /// <summary>
    /// Fails when this thread allocated more than <paramref name="perInputByte"/> × input length + <paramref name="fixedBytes"/>
    /// since <paramref name="start"/>: a decoder may allocate by the bytes present, never by a count or length field
    /// (issue 12, item 1).
    /// </summary>
    public static void CheckAllocation(string what, long start, int inputLength, long perInputByte, long fixedBytes)
    {
        var allocated = GC.GetAllocatedBytesForCurrentThread() - start;
        if (_allocationChecksOff)
        {
            return;
        }

        var bound = perInputByte * inputLength + fixedBytes;
        if (allocated > bound)
        {
            throw new FuzzOracleException(
                $"{what} allocated {allocated} bytes for {inputLength} input bytes (bound {perInputByte} × input + {fixedBytes} = {bound})",
                allocation: true);
        }
    }

    /// <summary>Fails unless two encodings are the same bytes (decode → encode → decode → encode is stable).</summary>
    public static void SameBytes(string what, ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        if (!first.SequenceEqual(second))
        {
            var at = first.CommonPrefixLength(second);
            throw new FuzzOracleException(
                $"{what}: re-encoding is not stable ({first.Length} vs {second.Length} bytes, first difference at {at})");
        }
    }

    public static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new FuzzOracleException(message);
        }
    }
}
