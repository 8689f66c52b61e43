using System.Globalization;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using Overlay.Common.Interop.Unix;
using NativeLibC = Overlay.DataPlane.Interop.Interop.LibC;

namespace Overlay.DataPlane.Sequence;

/// <summary>
/// <see cref="ISequenceStore"/> in a directory of small text files, one per SA (<see cref="SequenceStateKey.FileName"/>):
/// <code>
/// tvd-overlay esp-sequence 1
/// spi 00001101
/// key 5f0c…(32 hex digits)
/// reserved 3145728
/// check 9b1e…(first 16 bytes of SHA-256 over the lines above, hex)
/// </code>
/// A save writes a new file under an unpredictable temporary name (O_CREAT|O_EXCL, mode 0600), fsyncs it, renames
/// it over the old one and fsyncs the directory: a crash at any point leaves the old record or the new one, whole.
/// A record that does not parse exactly, names another SA or fails its check is refused, never reset: resetting
/// would start the SA's sequence (its AES-GCM IV) again under the same key. Owner-only modes (0700, 0600), hence
/// Linux only.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class SequenceStateDirectory : ISequenceStore
{
    private const string Magic = "tvd-overlay esp-sequence 1";

    /// <summary>A record is ~150 bytes; anything much larger is not one of ours.</summary>
    private const int MaxRecordBytes = 1024;

    private const string TempSuffix = ".tmp";

    private SequenceStateDirectory(string path) => Path = path;

    /// <summary>The directory.</summary>
    public string Path { get; }

    /// <summary>
    /// Opens (creating it with mode 0700 if missing) the directory and removes temporary files a crash left
    /// behind. Throws <see cref="SequenceStateException"/> when it cannot be created or is not a directory.
    /// Whether it is writable shows at the first <see cref="Save"/>, which the binding of every SA does.
    /// </summary>
    public static SequenceStateDirectory Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = System.IO.Path.GetFullPath(path);
        try
        {
            if (File.Exists(full))
            {
                throw new SequenceStateException($"sequence state directory {full} is a file, not a directory");
            }

            Directory.CreateDirectory(full, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            foreach (string stale in Directory.EnumerateFiles(full, ".esp-seq-*" + TempSuffix))
            {
                File.Delete(stale); // a save that crashed before its rename: the record beside it is whole
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SequenceStateException($"cannot open sequence state directory {full}: {e.Message}", e);
        }

        return new SequenceStateDirectory(full);
    }

    public string Describe(SequenceStateKey key) => System.IO.Path.Combine(Path, key.FileName);

    public ulong Load(SequenceStateKey key)
    {
        string file = Describe(key);
        byte[] bytes;
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
            if (stream.Length > MaxRecordBytes)
            {
                throw new SequenceStateException($"{file}: {stream.Length} bytes, not a sequence state record (refusing to reset it)");
            }

            bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
        }
        catch (FileNotFoundException)
        {
            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SequenceStateException($"cannot read {file}: {e.Message} (refusing to start the SA without it)", e);
        }

        return Parse(file, key, bytes);
    }

    public void Save(SequenceStateKey key, ulong mark)
    {
        string file = Describe(key);
        string temp = System.IO.Path.Combine(Path, $".{key.FileName}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}{TempSuffix}");
        byte[] record = Format(key, mark);
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew, // O_CREAT|O_EXCL: never follows or reuses what is there
                Access = FileAccess.Write,
                Share = FileShare.None,
                BufferSize = 0,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            };
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(record);
                stream.Flush(flushToDisk: true); // fsync(2)
            }

            File.Move(temp, file, overwrite: true); // rename(2): atomic
            NativeLibC.FSyncDirectory(Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ErrnoException)
        {
            TryDelete(temp);
            throw new SequenceStateException($"cannot write {file}: {e.Message}", e);
        }
    }

    /// <summary>The record's bytes (ASCII, lines ending in \n).</summary>
    internal static byte[] Format(SequenceStateKey key, ulong mark)
    {
        string body = string.Create(CultureInfo.InvariantCulture, $"{Magic}\nspi {key.Spi:x8}\nkey {key.KeyFingerprint}\nreserved {mark}\n");
        return Encoding.ASCII.GetBytes($"{body}check {Check(body)}\n");
    }

    private static ulong Parse(string file, SequenceStateKey key, byte[] bytes)
    {
        string text = Encoding.ASCII.GetString(bytes);
        string[] lines = text.Split('\n');
        // Five lines and the empty string after the last newline; nothing else.
        if (lines.Length != 6 || lines[5].Length != 0 || lines[0] != Magic)
        {
            throw Corrupt(file, "not a sequence state record");
        }

        string body = string.Join('\n', lines, 0, 4) + "\n";
        if (lines[4] != "check " + Check(body))
        {
            throw Corrupt(file, "its check does not match its content");
        }

        if (lines[1] != string.Create(CultureInfo.InvariantCulture, $"spi {key.Spi:x8}") || lines[2] != "key " + key.KeyFingerprint)
        {
            throw Corrupt(file, $"it records another SA ({lines[1]}, {lines[2]})");
        }

        if (!lines[3].StartsWith("reserved ", StringComparison.Ordinal)
            || !ulong.TryParse(lines[3].AsSpan("reserved ".Length), NumberStyles.None, CultureInfo.InvariantCulture, out ulong mark))
        {
            throw Corrupt(file, "no reserved mark");
        }

        return mark;
    }

    private static SequenceStateException Corrupt(string file, string why) =>
        new($"{file} is corrupt: {why}; refusing to reset it (that would reuse sequence numbers, the AES-GCM IVs, under the same key). " +
            "Configure a new key for this SA; then this file may go (never put an older copy in its place)");

    private static string Check(string body) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(body)).AsSpan(0, 16));

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Open() removes it at the next start.
        }
    }
}
