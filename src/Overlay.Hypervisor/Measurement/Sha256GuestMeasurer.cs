using System.Security.Cryptography;

namespace Overlay.Hypervisor.Measurement;

/// <summary>One measurement: what was measured, under which name, and its SHA-256 digest.</summary>
public sealed record GuestMeasurementEntry(string Name, byte[] Digest)
{
    public string DigestHex => Convert.ToHexStringLower(Digest);
}

/// <summary>
/// Hashes with SHA-256 and keeps the list in memory, in order: the measurer for hosts without a TPM-backed one
/// and for tests. It extends no PCR, so its list is a record for the operator, not evidence for a peer.
/// </summary>
public sealed class Sha256GuestMeasurer : IGuestMeasurer
{
    private readonly Lock _gate = new();
    private readonly List<GuestMeasurementEntry> _entries = [];

    public IReadOnlyList<GuestMeasurementEntry> Entries
    {
        get
        {
            lock (_gate)
            {
                return _entries.ToArray();
            }
        }
    }

    public byte[] MeasureFile(string path, string description)
    {
        byte[] digest;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
        {
            digest = SHA256.HashData(stream);
        }

        return Record(description, digest);
    }

    public byte[] MeasureBlob(string name, byte[] bytes) => Record(name, SHA256.HashData(bytes));

    private byte[] Record(string name, byte[] digest)
    {
        lock (_gate)
        {
            _entries.Add(new GuestMeasurementEntry(name, digest));
        }

        return digest;
    }
}
