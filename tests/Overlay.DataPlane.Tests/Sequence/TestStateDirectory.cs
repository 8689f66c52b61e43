using System.Diagnostics;

namespace Overlay.DataPlane.Tests.Sequence;

/// <summary>A fresh temporary directory for sequence state, removed (made writable first) on dispose.</summary>
internal sealed class TestStateDirectory : IDisposable
{
    public TestStateDirectory() => Path = Directory.CreateTempSubdirectory("tvd-seq-").FullName;

    public string Path { get; }

    /// <summary>
    /// Makes <paramref name="path"/> unwritable for this process: mode 0555 for an ordinary user, and for root (whom
    /// modes do not stop) the immutable attribute (chattr +i). False when neither is possible here.
    /// </summary>
    public static bool MakeUnwritable(string path)
    {
        if (Environment.UserName != "root")
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            return true;
        }

        return Chattr("+i", path);
    }

    public static void MakeWritable(string path)
    {
        if (Environment.UserName == "root")
        {
            Chattr("-i", path);
        }
        else
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    public void Dispose()
    {
        foreach (string dir in Directory.EnumerateDirectories(Path, "*", SearchOption.AllDirectories).Prepend(Path))
        {
            MakeWritable(dir);
        }

        Directory.Delete(Path, recursive: true);
    }

    private static bool Chattr(string flag, string path)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("chattr", [flag, path]) { RedirectStandardError = true });
            if (process is null)
            {
                return false;
            }

            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // no chattr
        }
    }
}
