namespace Overlay.Daemon.Tests.Support;

/// <summary>
/// A private scratch directory under /tmp (short, so socket paths stay under sun_path's 107 bytes),
/// prefixed so a leftover is recognisable, removed on dispose even when the test failed.
/// </summary>
public sealed class TempDirectory : IDisposable
{
    public const string Prefix = "tvdd-test-";

    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory(Prefix).FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a file still held open by a dying child; the prefix marks it for cleanup.
        }
    }
}
