namespace Overlay.Common.Toml;

/// <summary>"Did you mean" hints for misspelled keys, tables and names.</summary>
internal static class Suggestions
{
    /// <summary>Farthest a candidate may be (in edits) from what was written and still be suggested.</summary>
    public const int MaxDistance = 2;

    /// <summary>The candidate closest to <paramref name="written"/>, when it is at most two edits away.</summary>
    /// <remarks>
    /// A candidate must also be fewer edits away than <paramref name="written"/> is long, or every
    /// two-letter typo would "match" every three-letter key.
    /// </remarks>
    public static string? Closest(string written, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = Distance(written, candidate);
            if (distance < bestDistance && distance <= MaxDistance && distance < written.Length)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        return best;
    }

    /// <summary>
    /// Optimal string alignment distance: insertions, deletions, substitutions and transpositions of two
    /// neighbours each count one, so "vlna" is one edit from "vlan".
    /// </summary>
    public static int Distance(string a, string b)
    {
        var rows = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            rows[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            rows[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                var best = Math.Min(Math.Min(rows[i - 1, j] + 1, rows[i, j - 1] + 1), rows[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    best = Math.Min(best, rows[i - 2, j - 2] + 1);
                }

                rows[i, j] = best;
            }
        }

        return rows[a.Length, b.Length];
    }
}
