namespace Overlay.Ike.Crypto;

/// <summary>
/// prf+ (RFC 7296 §2.13):
/// <code>
/// prf+ (K,S) = T1 | T2 | T3 | T4 | ...
/// T1 = prf (K, S | 0x01)
/// T2 = prf (K, T1 | S | 0x02)
/// T3 = prf (K, T2 | S | 0x03)
/// </code>
/// The counter is one octet, so at most 255 blocks can be produced.
/// </summary>
public static class PrfPlus
{
    /// <summary>The most octets prf+ can produce with <paramref name="prf"/>.</summary>
    public static int MaxOutput(IkePrf prf) => IkeConstants.PrfPlusMaxIterations * prf.OutputLength;

    /// <summary>Fills <paramref name="output"/> with prf+(key, seed).</summary>
    public static void Derive(IkePrf prf, ReadOnlySpan<byte> key, ReadOnlySpan<byte> seed, Span<byte> output)
    {
        if (output.Length > MaxOutput(prf))
        {
            throw new ArgumentException($"prf+ cannot produce {output.Length} octets with {prf}", nameof(output));
        }

        var n = prf.OutputLength;
        // Input buffer: T(i-1) | S | counter. T0 is empty.
        var input = new byte[n + seed.Length + 1];
        var block = new byte[n];
        var previousLength = 0;
        var written = 0;
        for (var counter = 1; written < output.Length; counter++)
        {
            block.AsSpan(0, previousLength).CopyTo(input);
            seed.CopyTo(input.AsSpan(previousLength));
            input[previousLength + seed.Length] = (byte)counter;
            prf.Compute(key, input.AsSpan(0, previousLength + seed.Length + 1), block);
            var take = Math.Min(n, output.Length - written);
            block.AsSpan(0, take).CopyTo(output[written..]);
            written += take;
            previousLength = n;
        }
    }

    public static byte[] Derive(IkePrf prf, ReadOnlySpan<byte> key, ReadOnlySpan<byte> seed, int length)
    {
        var output = new byte[length];
        Derive(prf, key, seed, output);
        return output;
    }
}
