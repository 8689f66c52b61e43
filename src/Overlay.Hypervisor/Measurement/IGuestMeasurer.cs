namespace Overlay.Hypervisor.Measurement;

/// <summary>
/// Records what a guest is made of before it starts (measured launch). The implementation decides where the
/// measurement goes (a TPM PCR and an ima-ng list in Overlay.Attest); this module only needs the digests back,
/// to compare the image with the known-good list. Names follow docs/attestation.md: <c>tvd:&lt;TVD&gt;/&lt;guest&gt;/&lt;part&gt;</c>.
/// </summary>
public interface IGuestMeasurer
{
    /// <summary>Measures a file's contents under <paramref name="description"/>; returns its SHA-256 digest.</summary>
    byte[] MeasureFile(string path, string description);

    /// <summary>Measures bytes (e.g. the domain XML) under <paramref name="name"/>; returns their SHA-256 digest.</summary>
    byte[] MeasureBlob(string name, byte[] bytes);
}
