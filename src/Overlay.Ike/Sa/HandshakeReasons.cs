namespace Overlay.Ike.Sa;

/// <summary>
/// The bounded names a handshake outcome is counted under. A failure's <see cref="IkeSa.FailureReason"/> is text for a
/// person (it may quote the peer); its class is the first IKE error notify it names (RFC 7296 §3.10.1, e.g.
/// <c>authentication_failed</c>, <c>no_proposal_chosen</c>), else what ended the SA (<c>retransmits_exhausted</c>,
/// <c>half_open_timeout</c>, ...), else <c>other</c>.
/// </summary>
public static class HandshakeReasons
{
    public const string Established = "established";
    public const string Failed = "failed";
    public const string Ok = "ok";
    public const string Other = "other";

    // Error notify types in both spellings the tasks write: the enum's name and the RFC's.
    private static readonly (string Pascal, string Snake)[] ErrorNotifies =
        [.. Enum.GetValues<NotifyType>().Where(t => t is > NotifyType.None and < NotifyType.InitialContact).Select(t => (t.ToString(), Snake(t.ToString())))];

    private static readonly (string Phrase, string Reason)[] Phrases =
    [
        ("did not answer", "retransmits_exhausted"),
        ("half-open timeout", "half_open_timeout"),
        ("displaced by a request", "half_open_displaced"),
        ("admitted to no TVD", "not_admitted"),
        ("disposed", "shutdown"),
    ];

    /// <summary>The class of a failure reason; <see cref="Other"/> for null or text that names none.</summary>
    public static string Classify(string? failureReason)
    {
        if (string.IsNullOrEmpty(failureReason))
        {
            return Other;
        }

        string? best = null;
        int at = int.MaxValue;
        foreach ((string pascal, string snake) in ErrorNotifies)
        {
            int i = IndexOfWord(failureReason, snake.ToUpperInvariant());
            int j = IndexOfWord(failureReason, pascal);
            int first = i < 0 ? j : j < 0 ? i : Math.Min(i, j);
            if (first >= 0 && first < at)
            {
                (best, at) = (snake, first);
            }
        }

        if (best is not null)
        {
            return best;
        }

        foreach ((string phrase, string reason) in Phrases)
        {
            if (failureReason.Contains(phrase, StringComparison.Ordinal))
            {
                return reason;
            }
        }

        return Other;
    }

    /// <summary><c>AuthenticationFailed</c> → <c>authentication_failed</c>.</summary>
    private static string Snake(string pascal)
    {
        var text = new System.Text.StringBuilder(pascal.Length + 4);
        for (int i = 0; i < pascal.Length; i++)
        {
            if (char.IsUpper(pascal[i]) && i > 0)
            {
                text.Append('_');
            }

            text.Append(char.ToLowerInvariant(pascal[i]));
        }

        return text.ToString();
    }

    /// <summary>Where <paramref name="word"/> occurs not inside a longer identifier, or -1.</summary>
    private static int IndexOfWord(string text, string word)
    {
        for (int i = text.IndexOf(word, StringComparison.Ordinal); i >= 0; i = text.IndexOf(word, i + 1, StringComparison.Ordinal))
        {
            bool startOk = i == 0 || !IsIdentifier(text[i - 1]);
            int end = i + word.Length;
            bool endOk = end == text.Length || !IsIdentifier(text[end]);
            if (startOk && endOk)
            {
                return i;
            }
        }

        return -1;
    }

    private static bool IsIdentifier(char c) => char.IsLetterOrDigit(c) || c == '_';
}
