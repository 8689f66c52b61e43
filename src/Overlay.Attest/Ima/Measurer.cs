using System.Security.Cryptography;

namespace Overlay.Attest.Ima;

/// <summary>
/// Measures files and blobs the way kernel IMA measures files: SHA-256 of the content, an ima-ng entry, the PCR
/// extended with the entry's template hash (SHA-1 bank) and SHA-256(template data) (SHA-256 bank), then the entry
/// appended to the list. Extend before append, as the kernel does, so a list never claims more than the PCR holds.
/// </summary>
public sealed class Measurer
{
    /// <summary>
    /// Default PCR for the daemon's own measurements. 13 is chosen because on the hosts we run on nothing else
    /// extends it: 0-7 are firmware, 8-9 the boot loader, 10 kernel IMA, 11-12 systemd-stub (UKI kernel, phases,
    /// command line), 14 shim's MOK lists, 15 systemd's machine-id/volume keys, 16 is the resettable debug PCR,
    /// 17-22 belong to DRTM, and 23 can be reset by software, so a quote over it proves nothing. PCR 13 is only
    /// used by systemd-stub for system extensions in UKI boots; where that applies, configure another PCR.
    /// </summary>
    public const int DefaultPcr = 13;

    private readonly IPcrExtender _tpm;
    private readonly IMeasurementLog _log;
    private readonly object _gate = new();

    public Measurer(IPcrExtender tpm, IMeasurementLog log, int pcr = DefaultPcr)
    {
        if (pcr is < 0 or > 22 or 16)
        {
            throw new ArgumentOutOfRangeException(nameof(pcr), $"PCR {pcr} is resettable or out of range");
        }

        _tpm = tpm;
        _log = log;
        Pcr = pcr;
    }

    public int Pcr { get; }

    public IMeasurementLog Log => _log;

    /// <summary>Measures a file's content under its full path.</summary>
    public ImaNgEntry MeasureFile(string path, int? pcr = null)
    {
        var fullPath = Path.GetFullPath(path);
        return Record(pcr ?? Pcr, HashFile(fullPath), fullPath);
    }

    /// <summary>
    /// Measures a file's content under another name (a guest image as <c>tvd:&lt;TVD&gt;/&lt;guest&gt;/image</c>). The
    /// file is hashed as a stream, outside the lock: images are gigabytes, and reading one into memory for
    /// <see cref="MeasureBlob"/> is not an option.
    /// </summary>
    public ImaNgEntry MeasureFileAs(string path, string name, int? pcr = null) => Record(pcr ?? Pcr, HashFile(path), name);

    /// <summary>Measures bytes under a name (e.g. a guest definition, "tvd:&lt;name&gt;/&lt;guest&gt;/definition").</summary>
    public ImaNgEntry MeasureBlob(string name, ReadOnlySpan<byte> content, int? pcr = null) =>
        Record(pcr ?? Pcr, SHA256.HashData(content), name);

    private static byte[] HashFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        return SHA256.HashData(stream);
    }

    private ImaNgEntry Record(int pcr, byte[] digest, string name)
    {
        var entry = ImaNgEntry.Create((uint)pcr, "sha256", digest, name);

        // Serialised so the list order is the extend order even with concurrent callers.
        lock (_gate)
        {
            _tpm.Extend(pcr, entry.TemplateHash, entry.Sha256ExtendValue);
            _log.Append(entry);
        }

        return entry;
    }
}
