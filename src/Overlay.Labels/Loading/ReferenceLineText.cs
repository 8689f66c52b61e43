namespace Overlay.Labels.Loading;

/// <summary>
/// An inline <c>reference</c> line of an <c>[[attestation]]</c>: the syntax of one line of a reference values file
/// (docs/attestation.md "Reference values"; Overlay.Attest's ReferenceValues reads both), so that inline lines and a
/// file mean the same and attestation reads them with one parser:
/// <code>
/// &lt;64 hex SHA-256&gt;  &lt;path&gt;        sha256sum output ('*' before the path marks binary mode)
/// tvd &lt;TVD&gt; &lt;64 hex SHA-256&gt;    a known-good guest image of that TVD
/// </code>
/// Stricter than the file in two ways: a line is never empty or a comment (a TOML comment says that), and the TVD
/// of a <c>tvd</c> line must exist (checked by the validator, which knows the TVDs).
/// </summary>
internal static class ReferenceLineText
{
    public const string TvdKeyword = "tvd";

    /// <summary>Hex digits of a SHA-256 digest.</summary>
    public const int DigestHexLength = 64;

    private const string Syntax = "`<64 hex SHA-256>  <path>` or `tvd <TVD> <64 hex SHA-256>`";

    /// <summary>Why <paramref name="line"/> is no reference line, or null (then <paramref name="tvd"/> is the TVD of a <c>tvd</c> line).</summary>
    public static string? Problem(string line, out string? tvd)
    {
        tvd = null;
        var trimmed = line.Trim();
        if (trimmed.Length == 0)
        {
            return $"is empty; write {Syntax}";
        }

        if (trimmed.Any(c => c != '\t' && char.IsControl(c)))
        {
            return "holds a line break or control character; write one reference line per string";
        }

        if (trimmed[0] == '#')
        {
            return "is a comment; write comments as TOML comments, outside the string";
        }

        var parts = trimmed.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (parts[0] == TvdKeyword)
        {
            if (parts.Length != 3 || DigestProblem(parts[2]) is not null)
            {
                return "is not `tvd <TVD> <64 hex SHA-256>`";
            }

            tvd = parts[1];
            return null;
        }

        if (DigestProblem(parts[0]) is { } problem)
        {
            return parts[0].All(char.IsAsciiHexDigit) ? problem : $"must be {Syntax}";
        }

        return parts.Length < 2 || string.Join(' ', parts[1..]).TrimStart('*').Length == 0
            ? "names no path after its digest"
            : null;
    }

    /// <summary>Why <paramref name="hex"/> is not a SHA-256 digest in hex, or null.</summary>
    public static string? DigestProblem(string hex)
    {
        if (!hex.All(char.IsAsciiHexDigit))
        {
            return "is not hexadecimal";
        }

        return hex.Length == DigestHexLength
            ? null
            : $"has a digest of {hex.Length} hex digits; a SHA-256 digest has {DigestHexLength}";
    }
}
