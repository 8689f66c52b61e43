using System.Globalization;

namespace Overlay.Daemon.Configuration;

/// <summary>A group named in the config, as its numeric id: a number as written, or a name looked up in /etc/group.</summary>
internal static class GroupIds
{
    public const string GroupFile = "/etc/group";

    /// <summary>The group's id; null when <paramref name="text"/> is neither a number nor a name in <paramref name="groupFile"/>.</summary>
    public static uint? Resolve(string text, string groupFile = GroupFile)
    {
        if (uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out uint gid))
        {
            return gid;
        }

        try
        {
            foreach (string line in File.ReadLines(groupFile))
            {
                // name:password:gid:members
                string[] fields = line.Split(':');
                if (fields.Length >= 3 && fields[0] == text && uint.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out gid))
                {
                    return gid;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No group database to read: only numbers resolve.
        }

        return null;
    }
}
