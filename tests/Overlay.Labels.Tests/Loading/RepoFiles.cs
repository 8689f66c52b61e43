namespace Overlay.Labels.Tests.Loading;

/// <summary>Finds files of the repository from the test assembly's directory, by walking up to TvdOverlay.sln.</summary>
internal static class RepoFiles
{
    public static string PathOf(string relativePath)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TvdOverlay.sln")))
            {
                return Path.Combine(dir.FullName, relativePath);
            }
        }

        throw new InvalidOperationException($"TvdOverlay.sln not found above {AppContext.BaseDirectory}");
    }
}
