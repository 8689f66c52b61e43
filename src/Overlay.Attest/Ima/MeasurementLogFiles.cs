using System.Runtime.Versioning;
using System.Text;

namespace Overlay.Attest.Ima;

/// <summary>
/// A measurement list on disk in the kernel's two forms: <c>binary_runtime_measurements</c> (what
/// evidence carries and what a restarted daemon reads back) and <c>ascii_runtime_measurements</c> beside it
/// (for people and grep). Both are appended and flushed per entry; the ASCII file is rewritten from the binary
/// one at open, so the two always list the same entries.
/// The files are made owner-only (0600, directories 0700), hence Linux only.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class MeasurementLogFiles : IMeasurementLog, IDisposable
{
    /// <summary>Suffix of a list set aside because the PCR no longer continues it (one generation kept).</summary>
    public const string PreviousSuffix = ".previous";

    private readonly FileMeasurementLog _binary;
    private readonly StreamWriter _ascii;

    private MeasurementLogFiles(string binaryPath, string asciiPath, FileMeasurementLog binary, StreamWriter ascii)
    {
        BinaryPath = binaryPath;
        AsciiPath = asciiPath;
        _binary = binary;
        _ascii = ascii;
    }

    public string BinaryPath { get; }

    public string AsciiPath { get; }

    /// <summary>Opens (creating 0700 directories and 0600 files as needed) and continues whatever the binary list holds.</summary>
    /// <exception cref="InvalidDataException">The binary list exists but is not a measurement list.</exception>
    public static MeasurementLogFiles Open(string binaryPath, string asciiPath)
    {
        CreateDirectory(binaryPath);
        CreateDirectory(asciiPath);
        var binary = new FileMeasurementLog(binaryPath);
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.Read, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
            var ascii = new StreamWriter(asciiPath, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), options) { NewLine = "\n" };
            ascii.Write(binary.Snapshot().ToAscii());
            ascii.Flush();
            return new MeasurementLogFiles(binaryPath, asciiPath, binary, ascii);
        }
        catch
        {
            binary.Dispose();
            throw;
        }
    }

    /// <summary>Moves both files to <c>*.previous</c> (replacing an older one); returns the binary one's new name.</summary>
    public static string SetAside(string binaryPath, string asciiPath)
    {
        string previous = binaryPath + PreviousSuffix;
        File.Move(binaryPath, previous, overwrite: true);
        if (File.Exists(asciiPath))
        {
            File.Move(asciiPath, asciiPath + PreviousSuffix, overwrite: true);
        }

        return previous;
    }

    public void Append(ImaNgEntry entry)
    {
        // Callers serialise measurements (extend, then append), so the two files see entries in the same order.
        _binary.Append(entry);
        _ascii.Write(entry.ToAscii());
        _ascii.Write('\n');
        _ascii.Flush();
    }

    public MeasurementList Snapshot() => _binary.Snapshot();

    public void Dispose()
    {
        _ascii.Dispose();
        _binary.Dispose();
    }

    private static void CreateDirectory(string file)
    {
        string? directory = Path.GetDirectoryName(file);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
