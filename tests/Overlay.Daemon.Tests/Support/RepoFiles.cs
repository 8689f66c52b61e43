namespace Overlay.Daemon.Tests.Support;

/// <summary>Files of the repository, found by walking up from the test binary to TvdOverlay.sln.</summary>
public static class RepoFiles
{
    public static string Root { get; } = FindRoot();

    public static string ExamplePolicy => Path.Combine(Root, "examples", "policy.toml");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TvdOverlay.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no TvdOverlay.sln above {AppContext.BaseDirectory}");
    }
}
