using System.Text;

namespace Overlay.Daemon.Hosting;

/// <summary>Files that hold keys (debug key exports): owner-only from creation, replaced atomically.</summary>
internal static class SecretFile
{
    /// <summary>
    /// Writes <paramref name="lines"/> (ASCII, '\n'-terminated) to <paramref name="path"/>: a temporary file
    /// created with mode 0600 in the same directory, then renamed over the target, so a reader never sees a
    /// half-written table and the keys are never readable by others, not even briefly.
    /// </summary>
    public static void WriteLines(string path, IEnumerable<string> lines)
    {
        var text = new StringBuilder();
        foreach (string line in lines)
        {
            text.Append(line).Append('\n');
        }

        string directory = Path.GetDirectoryName(path) ?? "/";
        Directory.CreateDirectory(directory);
        string temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        var options = new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        using (var writer = new StreamWriter(temporary, Encoding.ASCII, options))
        {
            writer.Write(text.ToString());
        }

        File.Move(temporary, path, overwrite: true);
    }
}
