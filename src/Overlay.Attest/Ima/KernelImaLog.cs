namespace Overlay.Attest.Ima;

/// <summary>Reads the host kernel's IMA list, when the kernel has IMA and securityfs is mounted.</summary>
public static class KernelImaLog
{
    /// <summary>The PCR the kernel's IMA extends.</summary>
    public const int Pcr = 10;

    public static readonly string[] Paths =
    [
        "/sys/kernel/security/ima/binary_runtime_measurements",
        "/sys/kernel/security/integrity/ima/binary_runtime_measurements",
    ];

    /// <summary>The kernel's list, or null when this host has none (no IMA, or securityfs not mounted).</summary>
    public static MeasurementList? TryRead()
    {
        foreach (var path in Paths)
        {
            if (!File.Exists(path))
            {
                continue;
            }

            // securityfs reports length 0, so read to the end rather than trusting the size.
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            return MeasurementList.TryParse(buffer.ToArray(), out var list, out var error)
                ? list
                : throw new InvalidDataException($"{path}: {error}");
        }

        return null;
    }
}
