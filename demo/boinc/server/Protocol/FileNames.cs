namespace Overlay.Demo.BoincServer.Protocol;

/// <summary>
/// The file names this server accepts from the network: a plain name of letters, digits, '_', '-' and '.',
/// at most 64 characters, never "..": no path separator, no '%' escape, nothing the client itself refuses
/// (client/client_types.cpp rejects "..", '%' and empty names). Checked before any name is looked up.
/// </summary>
internal static class FileNames
{
    public const int MaxLength = 64;

    public static bool IsValid(string name)
    {
        if (name.Length is 0 or > MaxLength || name.Contains("..", StringComparison.Ordinal) || name[0] == '.')
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Throws a <see cref="RejectReason.BadFileName"/> refusal for a name <see cref="IsValid"/> refuses.</summary>
    public static string Check(string name) => IsValid(name)
        ? name
        : throw new ProtocolException(RejectReason.BadFileName, $"bad file name '{BoincXml.Shorten(name)}' (a plain name of [A-Za-z0-9_.-], no '..', at most {MaxLength} characters)");
}
