namespace Overlay.Labels.Loading;

/// <summary>
/// What a name (of a policy, TVD, type, guest, network, volume, host, conflict set or attestation requirement)
/// and a wire label may contain. Names end up in logs, libvirt metadata and CLI output, so they are kept to
/// a conservative, shell- and URL-safe alphabet.
/// </summary>
internal static class NameRules
{
    public const int MaxNameLength = 63;

    /// <summary>RFC 9478 carries the label in a TS_SECLABEL whose length is not the limit; 255 keeps it one
    /// short length-prefixed string everywhere (audit records, the control socket).</summary>
    public const int MaxLabelLength = 255;

    /// <summary>Why <paramref name="name"/> is not a valid name, or null when it is.</summary>
    public static string? ProblemWithName(string name)
    {
        if (name.Length == 0)
        {
            return "must not be empty";
        }

        if (name.Length > MaxNameLength)
        {
            return $"is {name.Length} characters long; names are at most {MaxNameLength}";
        }

        if (!char.IsAsciiLetterOrDigit(name[0]))
        {
            return "must start with a letter or a digit";
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-'))
            {
                return $"contains {Describe(c)}; names use only letters, digits, '.', '_' and '-'";
            }
        }

        return null;
    }

    /// <summary>Why <paramref name="label"/> cannot be sent as an IKE security label, or null when it can.</summary>
    public static string? ProblemWithLabel(string label)
    {
        if (label.Length == 0)
        {
            return "must not be empty";
        }

        foreach (var c in label)
        {
            if (c is < ' ' or > '~')
            {
                return $"contains {Describe(c)}; labels are printable ASCII";
            }
        }

        // Printable ASCII is one byte per character, so the character count is the byte count.
        return label.Length > MaxLabelLength
            ? $"is {label.Length} bytes long; labels are at most {MaxLabelLength}"
            : null;
    }

    private static string Describe(char c) =>
        c is >= ' ' and <= '~' ? $"'{c}'" : $"U+{(int)c:X4}";
}
