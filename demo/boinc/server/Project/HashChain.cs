using System.Security.Cryptography;
using System.Text;

namespace Overlay.Demo.BoincServer.Project;

/// <summary>
/// The computation of the demo's application (demo/boinc/app/tvd_hashchain.sh), done again here to validate
/// what a client returns: the seed hashed <c>rounds</c> times, each round the SHA-256 (lower-case hex) of the
/// previous round's hex text. The work unit's input is "ROUNDS\nSEED\n"; a correct output is "ROUNDS HEX\n".
/// </summary>
internal static class HashChain
{
    /// <summary>The longest output file a client may return (the real one is about 70 bytes).</summary>
    public const int MaxOutputBytes = 4096;

    public static string Compute(string seed, int rounds)
    {
        string value = seed;
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        for (int i = 0; i < rounds; i++)
        {
            SHA256.HashData(Encoding.ASCII.GetBytes(value), digest);
            value = Convert.ToHexStringLower(digest);
        }

        return value;
    }

    public static byte[] Input(int rounds, string seed) => Encoding.ASCII.GetBytes($"{rounds}\n{seed}\n");

    /// <summary>Null when <paramref name="output"/> is the chain's correct result, else what is wrong with it.</summary>
    public static string? Problem(ReadOnlySpan<byte> output, int rounds, string expectedHex)
    {
        if (output.Length > MaxOutputBytes)
        {
            return $"output is {output.Length} bytes, more than {MaxOutputBytes}";
        }

        string text = Encoding.ASCII.GetString(output).TrimEnd('\n', '\r');
        string[] fields = text.Split(' ');
        if (fields.Length != 2 || !int.TryParse(fields[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n))
        {
            return "output is not 'ROUNDS HEX'";
        }

        if (n != rounds)
        {
            return $"output claims {n} rounds, the work unit asked {rounds}";
        }

        return fields[1] == expectedHex ? null : "hash differs from the recomputed chain";
    }
}
