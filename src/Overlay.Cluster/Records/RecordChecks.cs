using Overlay.Cluster.Keys;

namespace Overlay.Cluster.Records;

/// <summary>Field checks the records share.</summary>
internal static class RecordChecks
{
    public const int MaxActorLength = 256;

    public static bool IsSha256Hex(string? s)
    {
        if (s is null || s.Length != 64)
        {
            return false;
        }

        foreach (char c in s)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>1..<paramref name="max"/> printable characters (no control characters: the value reaches logs).</summary>
    public static bool IsPrintable(string? s, int max, bool allowEmpty = false)
    {
        if (s is null || s.Length > max || (!allowEmpty && s.Length == 0))
        {
            return false;
        }

        foreach (char c in s)
        {
            if (char.IsControl(c))
            {
                return false;
            }
        }

        return true;
    }

    public static string? Host(string? host, string field) =>
        ClusterNames.IsValidHost(host) ? null : $"{field} is not a valid host name";
}
