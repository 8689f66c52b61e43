using System.Security.Cryptography;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Overlay.Common.Interop.Unix;

namespace Overlay.Daemon.Hosting;

/// <summary>Files that hold keys (debug key exports): owner-only from creation, replaced atomically.</summary>
internal static class SecretFile
{
    /// <summary>
    /// Writes <paramref name="lines"/> (ASCII, '\n'-terminated) to <paramref name="path"/>: a temporary file with an
    /// unpredictable name (128 random bits), created in the same directory with <c>O_CREAT|O_EXCL|O_NOFOLLOW</c> and
    /// mode 0600, then renamed over the target. So a reader never sees a half-written table, the keys are never
    /// readable by others, not even briefly, and nobody who can write to the directory can make the daemon write its
    /// keys through a file or symbolic link planted at the temporary name (it cannot be guessed, and if it existed
    /// the open would fail rather than follow it). rename(2) replaces a link at <paramref name="path"/> itself.
    /// </summary>
    /// <exception cref="IOException">The file could not be created or written.</exception>
    public static void WriteLines(string path, IEnumerable<string> lines)
    {
        var text = new StringBuilder();
        foreach (string line in lines)
        {
            text.Append(line).Append('\n');
        }

        string directory = Path.GetDirectoryName(path) ?? "/";
        Directory.CreateDirectory(directory);
        string temporary = TemporaryName(path);
        SafeFileHandle handle = CreateExclusive(temporary); // fails, creating nothing, if anything is at that name
        try
        {
            using (var stream = new FileStream(handle, FileAccess.Write))
            {
                stream.Write(Encoding.ASCII.GetBytes(text.ToString()));
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            TryDelete(temporary); // ours: created above
            throw;
        }
        finally
        {
            handle.Dispose();
        }
    }

    /// <summary><c>.NAME.&lt;32 random hex digits&gt;.tmp</c> beside <paramref name="path"/>.</summary>
    internal static string TemporaryName(string path) =>
        Path.Combine(Path.GetDirectoryName(path) ?? "/", $".{Path.GetFileName(path)}.{RandomNumberGenerator.GetHexString(32, lowercase: true)}.tmp");

    private static SafeFileHandle CreateExclusive(string path)
    {
        try
        {
            return Interop.LibC.CreateExclusive(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        catch (ErrnoException e)
        {
            throw new IOException(e.Message, e);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nothing was created, or it cannot be removed: either way the caller's error says what went wrong.
        }
    }
}
