namespace Overlay.Cluster.Keys;

/// <summary>What a host or TVD name in the store may look like: it becomes a key segment and a log field.</summary>
public static class ClusterNames
{
    public const int MaxHostLength = 253;
    public const int MaxTvdLength = 64;

    /// <summary>1–253 characters of letters, digits, '.', '-', '_'; starts with a letter or digit.</summary>
    public static bool IsValidHost(string? name) => IsValid(name, MaxHostLength);

    /// <summary>1–64 characters of letters, digits, '.', '-', '_'; starts with a letter or digit.</summary>
    public static bool IsValidTvd(string? name) => IsValid(name, MaxTvdLength);

    private static bool IsValid(string? name, int max)
    {
        if (string.IsNullOrEmpty(name) || name.Length > max || !char.IsAsciiLetterOrDigit(name[0]))
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '.' && c != '-' && c != '_')
            {
                return false;
            }
        }

        return true;
    }
}
