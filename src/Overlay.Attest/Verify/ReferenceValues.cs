using Overlay.Attest.Ima;

namespace Overlay.Attest.Verify;

/// <summary>
/// Known-good measurements: an allow-list of digests per measured path, and known-good guest image digests per
/// TVD. Guest parts are measured under names "tvd:&lt;TVD&gt;/&lt;guest&gt;/&lt;part&gt;"; any digest listed for that
/// TVD is accepted for them. Text form, one rule per line (# comments):
/// <code>
/// &lt;sha256 hex&gt;  /usr/sbin/tvd-overlayd        (sha256sum output works as is)
/// tvd &lt;TVD name&gt; &lt;sha256 hex&gt;
/// </code>
/// </summary>
public sealed class ReferenceValues
{
    public const string GuestPrefix = "tvd:";

    // Digest sets are small (a few allowed versions per path), so a list compared by span beats hex strings:
    // judging 10,000 entries then allocates nothing per entry.
    private readonly Dictionary<string, List<byte[]>> _files = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<byte[]>> _guestImages = new(StringComparer.Ordinal);

    public void AllowFile(string path, ReadOnlySpan<byte> sha256) => Add(_files, path, sha256);

    public void AllowGuestImage(string tvd, ReadOnlySpan<byte> sha256) => Add(_guestImages, tvd, sha256);

    public static bool TryParse(string text, out ReferenceValues values, out string error)
    {
        values = new ReferenceValues();
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var parts = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (parts is ["tvd", var tvd, var hex] && TryHex(hex, out var image))
            {
                values.AllowGuestImage(tvd, image);
            }
            else if (parts.Length >= 2 && TryHex(parts[0], out var digest))
            {
                // sha256sum marks binary mode with '*' before the name.
                values.AllowFile(string.Join(' ', parts[1..]).TrimStart('*'), digest);
            }
            else
            {
                error = $"line {lineNumber}: expected '<sha256 hex> <path>' or 'tvd <name> <sha256 hex>'";
                return false;
            }
        }

        error = string.Empty;
        return true;
    }

    /// <summary>Judges one covered entry; null when it matches a reference value.</summary>
    public VerificationFinding? Check(ImaNgEntry entry)
    {
        if (entry.IsViolation)
        {
            return new VerificationFinding("ref.violation", FindingSeverity.Error,
                $"IMA violation entry for '{entry.Path}' (file changed while measured, or open for write while executed)");
        }

        if (!string.Equals(entry.DigestAlgorithm, "sha256", StringComparison.Ordinal))
        {
            return new VerificationFinding("ref.algorithm", FindingSeverity.Error,
                $"'{entry.Path}' was measured with {entry.DigestAlgorithm}; reference values are SHA-256");
        }

        if (entry.Path.StartsWith(GuestPrefix, StringComparison.Ordinal))
        {
            var slash = entry.Path.IndexOf('/', GuestPrefix.Length);
            var tvd = slash < 0 ? entry.Path[GuestPrefix.Length..] : entry.Path[GuestPrefix.Length..slash];
            if (!_guestImages.TryGetValue(tvd, out var images))
            {
                return new VerificationFinding("ref.unknown", FindingSeverity.Error, $"no known-good guest images for TVD '{tvd}' ({entry.Path})");
            }

            return Contains(images, entry.FileDigest)
                ? null
                : new VerificationFinding("ref.mismatch", FindingSeverity.Error, $"'{entry.Path}' has digest {Hex(entry)}, not a known-good image of TVD '{tvd}'");
        }

        if (!_files.TryGetValue(entry.Path, out var allowed))
        {
            return new VerificationFinding("ref.unknown", FindingSeverity.Error, $"'{entry.Path}' (sha256:{Hex(entry)}) is not in the reference values");
        }

        return Contains(allowed, entry.FileDigest)
            ? null
            : new VerificationFinding("ref.mismatch", FindingSeverity.Error, $"'{entry.Path}' has digest {Hex(entry)}, not an allowed one");
    }

    private static string Hex(ImaNgEntry entry) => Convert.ToHexStringLower(entry.FileDigest);

    private static bool Contains(List<byte[]> digests, byte[] digest)
    {
        foreach (var candidate in digests)
        {
            if (candidate.AsSpan().SequenceEqual(digest))
            {
                return true;
            }
        }

        return false;
    }

    private static void Add(Dictionary<string, List<byte[]>> map, string key, ReadOnlySpan<byte> digest)
    {
        if (!map.TryGetValue(key, out var list))
        {
            map[key] = list = [];
        }

        if (!Contains(list, digest.ToArray()))
        {
            list.Add(digest.ToArray());
        }
    }

    private static bool TryHex(string text, out byte[] bytes)
    {
        bytes = [];
        if (text.Length != 64 || !text.All(char.IsAsciiHexDigit))
        {
            return false;
        }

        bytes = Convert.FromHexString(text);
        return true;
    }
}
