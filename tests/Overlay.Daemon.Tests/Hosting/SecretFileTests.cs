using Overlay.Common.Interop.Unix;
using Overlay.Daemon.Hosting;
using Overlay.Daemon.Tests.Support;

namespace Overlay.Daemon.Tests.Hosting;

/// <summary>
/// Key exports are written through a temporary file nobody can predict or plant: its name carries 128 random bits,
/// it is opened O_CREAT|O_EXCL|O_NOFOLLOW (mode 0600), and only then renamed over the target.
/// </summary>
public sealed class SecretFileTests
{
    [Fact]
    public void A_link_planted_at_the_old_predictable_temporary_name_is_not_written_through()
    {
        using var dir = new TempDirectory();
        string victim = dir.File("victim");
        File.WriteAllText(victim, "untouched\n");
        string path = dir.File("esp_sa");
        // Before: ".esp_sa.<pid>.tmp", opened with O_CREAT|O_TRUNC, which follows a symbolic link.
        File.CreateSymbolicLink(dir.File($".esp_sa.{Environment.ProcessId}.tmp"), victim);

        SecretFile.WriteLines(path, ["\"IPv4\",\"key line\""]);

        Assert.Equal("untouched\n", File.ReadAllText(victim));
        Assert.Equal(["\"IPv4\",\"key line\""], File.ReadAllLines(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Temporary_names_are_unpredictable()
    {
        string[] names = [.. Enumerable.Range(0, 4).Select(_ => SecretFile.TemporaryName("/run/keys/esp_sa"))];

        Assert.Equal(4, names.Distinct().Count());
        Assert.All(names, n => Assert.Matches(@"^/run/keys/\.esp_sa\.[0-9a-f]{32}\.tmp$", n));
    }

    [Fact]
    public void The_exclusive_open_refuses_an_existing_file_and_a_planted_link_even_a_dangling_one()
    {
        using var dir = new TempDirectory();
        string victim = dir.File("victim");
        File.WriteAllText(victim, "untouched\n");
        File.CreateSymbolicLink(dir.File("link"), victim);
        File.CreateSymbolicLink(dir.File("dangling"), dir.File("nowhere"));

        foreach (string planted in new[] { victim, dir.File("link"), dir.File("dangling") })
        {
            ErrnoException e = Assert.Throws<ErrnoException>(() => Interop.LibC.CreateExclusive(planted, UnixFileMode.UserRead | UnixFileMode.UserWrite).Dispose());
            Assert.Equal(Errno.EEXIST, e.Errno);
        }

        Assert.Equal("untouched\n", File.ReadAllText(victim));
        Assert.False(File.Exists(dir.File("nowhere")));
    }
}
