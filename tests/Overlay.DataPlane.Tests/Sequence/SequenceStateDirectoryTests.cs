using System.Text;
using Overlay.DataPlane.Sequence;

namespace Overlay.DataPlane.Tests.Sequence;

public sealed class SequenceStateDirectoryTests : IDisposable
{
    private static readonly SequenceStateKey Key = SequenceStateKey.For(0x1101, TestSas.Key(Overlay.DataPlane.Esp.EspCipher.AesGcm128));
    private readonly TestStateDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_saved_mark_is_what_a_later_store_on_the_same_directory_loads()
    {
        SequenceStateDirectory first = SequenceStateDirectory.Open(_dir.Path);
        Assert.Equal(0UL, first.Load(Key)); // nothing recorded yet
        first.Save(Key, 1UL << 20);
        first.Save(Key, 3UL << 20);

        SequenceStateDirectory restarted = SequenceStateDirectory.Open(_dir.Path);
        Assert.Equal(3UL << 20, restarted.Load(Key));
        string file = restarted.Describe(Key);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal([file], Directory.GetFiles(_dir.Path)); // no temporary left behind
    }

    [Fact]
    public void The_record_names_the_sa_by_spi_and_fingerprint_and_never_holds_the_key()
    {
        byte[] key = TestSas.Key(Overlay.DataPlane.Esp.EspCipher.AesGcm256, seed: 9);
        SequenceStateKey name = SequenceStateKey.For(0x2201, key);
        SequenceStateDirectory store = SequenceStateDirectory.Open(_dir.Path);
        store.Save(name, 42);

        string text = File.ReadAllText(store.Describe(name));
        Assert.StartsWith("tvd-overlay esp-sequence 1\nspi 00002201\nkey " + name.KeyFingerprint + "\nreserved 42\ncheck ", text, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexStringLower(key), text, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexStringLower(key.AsSpan(0, 16)), text, StringComparison.Ordinal);
        Assert.Matches("^[0-9a-f]{32}$", name.KeyFingerprint);
        Assert.NotEqual(name.KeyFingerprint, SequenceStateKey.For(0x2202, key).KeyFingerprint); // another SPI, another name
        Assert.NotEqual(name.KeyFingerprint, SequenceStateKey.For(0x2201, TestSas.Key(Overlay.DataPlane.Esp.EspCipher.AesGcm256, seed: 10)).KeyFingerprint);
    }

    public static TheoryData<string, string> Corruptions => new()
    {
        { "a digit of the mark changed", "flip" },
        { "cut short (a torn write)", "truncate" },
        { "empty", "empty" },
        { "not a record at all", "garbage" },
        { "far too long", "huge" },
        { "another SA's record under this SA's name", "foreign" },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void A_corrupt_record_is_refused_and_left_as_it_is(string what, string how)
    {
        SequenceStateDirectory store = SequenceStateDirectory.Open(_dir.Path);
        store.Save(Key, 5UL << 20);
        string file = store.Describe(Key);
        byte[] good = File.ReadAllBytes(file);
        byte[] bad = how switch
        {
            "flip" => Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(good).Replace("reserved 5242880", "reserved 1242880", StringComparison.Ordinal)),
            "truncate" => good[..(good.Length - 10)],
            "empty" => [],
            "garbage" => Encoding.ASCII.GetBytes("reserved 99999999999\n"),
            "huge" => new byte[4096],
            _ => SequenceStateDirectory.Format(SequenceStateKey.For(0x9999, TestSas.Key(Overlay.DataPlane.Esp.EspCipher.AesGcm128, seed: 3)), 7),
        };
        File.WriteAllBytes(file, bad);

        SequenceStateException e = Assert.Throws<SequenceStateException>(() => SequenceStateDirectory.Open(_dir.Path).Load(Key));
        Assert.Contains(file, e.Message, StringComparison.Ordinal);
        Assert.Contains("refusing", e.Message, StringComparison.Ordinal);
        Assert.False(e.Exhausted, what);
        Assert.Equal(bad, File.ReadAllBytes(file)); // not reset
    }

    [Fact]
    public void An_unwritable_directory_refuses_the_save_and_keeps_the_record_it_had()
    {
        SequenceStateDirectory store = SequenceStateDirectory.Open(_dir.Path);
        store.Save(Key, 1UL << 20);
        if (!TestStateDirectory.MakeUnwritable(_dir.Path))
        {
            return; // root on a file system without the immutable attribute: nothing here can refuse root
        }

        SequenceStateException e = Assert.Throws<SequenceStateException>(() => store.Save(Key, 2UL << 20));
        Assert.Contains(store.Describe(Key), e.Message, StringComparison.Ordinal);
        TestStateDirectory.MakeWritable(_dir.Path);
        Assert.Equal(1UL << 20, store.Load(Key));
    }

    [Fact]
    public void A_directory_that_cannot_be_created_is_refused_at_open()
    {
        string file = Path.Combine(_dir.Path, "a-file");
        File.WriteAllText(file, "x");

        Assert.Throws<SequenceStateException>(() => SequenceStateDirectory.Open(file));
        Assert.Throws<SequenceStateException>(() => SequenceStateDirectory.Open(Path.Combine(file, "below")));
    }

    [Fact]
    public void A_save_that_crashed_before_its_rename_leaves_the_old_record_and_its_temporary_goes_at_the_next_open()
    {
        SequenceStateDirectory store = SequenceStateDirectory.Open(_dir.Path);
        store.Save(Key, 1UL << 20);
        // What a crash between writing the temporary and renaming it leaves: a half-written temporary.
        string temp = Path.Combine(_dir.Path, $".{Key.FileName}.0123456789abcdef.tmp");
        File.WriteAllText(temp, "tvd-overlay esp-sequence 1\nspi 000011");

        SequenceStateDirectory restarted = SequenceStateDirectory.Open(_dir.Path);
        Assert.Equal(1UL << 20, restarted.Load(Key));
        Assert.False(File.Exists(temp));
    }
}
