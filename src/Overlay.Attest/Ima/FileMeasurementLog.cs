namespace Overlay.Attest.Ima;

/// <summary>
/// A measurement list kept in memory and, when given a path, appended to a file in binary_runtime_measurements
/// layout (flushed per entry, so a crash loses at most the entry being written). On open, an existing file is
/// read back so a restarted daemon continues the list it began; the TPM's PCR only resets with the TPM.
/// </summary>
public sealed class FileMeasurementLog : IMeasurementLog, IDisposable
{
    private readonly object _gate = new();
    private readonly List<ImaNgEntry> _entries = [];
    private readonly FileStream? _file;

    public FileMeasurementLog(string? path = null)
    {
        if (path is null)
        {
            return;
        }

        if (File.Exists(path))
        {
            if (!MeasurementList.TryParse(File.ReadAllBytes(path), out var existing, out var error))
            {
                throw new InvalidDataException($"measurement list {path} is corrupt: {error}");
            }

            _entries.AddRange(existing.Entries);
        }

        _file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
    }

    public void Append(ImaNgEntry entry)
    {
        lock (_gate)
        {
            _entries.Add(entry);
            if (_file is not null)
            {
                MeasurementList.WriteEntry(_file, entry);
                _file.Flush(flushToDisk: true);
            }
        }
    }

    public MeasurementList Snapshot()
    {
        lock (_gate)
        {
            return new MeasurementList(_entries.ToArray());
        }
    }

    public void Dispose() => _file?.Dispose();
}
