namespace Overlay.Tests.Common;

/// <summary>
/// Linked into the test projects that bound decoders (one source, as src/Common is for the modules).
/// Measures the managed bytes a decoder allocates on this thread (GC.GetAllocatedBytesForCurrentThread),
/// after one warm-up call so type initialisation and JIT work are not counted. Decoders of peer data
/// must allocate in proportion to the bytes present, never to a count field (issue 12).
/// </summary>
public static class AllocationMeter
{
    /// <summary>Allowed allocation per input octet: a parsed object graph costs a few times its wire size.</summary>
    public const int BytesPerInputOctet = 24;

    /// <summary>Fixed allowance per decode (result objects, a list's first growth steps, the error string).</summary>
    public const int FixedAllowance = 4096;

    public static long Measure(Action decode)
    {
        decode();
        var before = GC.GetAllocatedBytesForCurrentThread();
        decode();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    /// <summary>Asserts that <paramref name="decode"/> of <paramref name="inputLength"/> octets stays within the stated bound.</summary>
    public static long AssertBounded(int inputLength, Action decode)
    {
        var allocated = Measure(decode);
        long bound = (long)BytesPerInputOctet * inputLength + FixedAllowance;
        Assert.True(allocated <= bound,
            $"decoding {inputLength} octets allocated {allocated} bytes; bound {BytesPerInputOctet} × input + {FixedAllowance} = {bound}");
        return allocated;
    }
}
