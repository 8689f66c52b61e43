namespace Overlay.Demo.BoincServer.Tests;

/// <summary>Fixture files and the repository's own files (the demo app), found from the test's output directory.</summary>
internal static class TestFiles
{
    public static byte[] Fixture(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));

    /// <summary>The repository root: the first directory above the test's output that holds TvdOverlay.sln.</summary>
    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "TvdOverlay.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("TvdOverlay.sln not found above " + AppContext.BaseDirectory);
        }
    }

    public static string AppDir => Path.Combine(RepoRoot, "demo", "boinc", "app");
}

/// <summary>A temporary directory removed on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir(string prefix = "tbs-test.") => Path = Directory.CreateTempSubdirectory(prefix).FullName;

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // a process of the test may still hold a file; the directory is under /tmp
        }
    }
}
