using Overlay.Hypervisor.Measurement;

namespace Overlay.Daemon.AttestHost;

/// <summary>
/// Measured launch into the TPM: the hypervisor's <see cref="IGuestMeasurer"/> on top of the daemon's
/// attestation session, so each guest part extends the measurement PCR and lands in the ima-ng list under its
/// <c>tvd:&lt;TVD&gt;/&lt;guest&gt;/&lt;part&gt;</c> name, in the same order as the daemon's own measurements.
/// </summary>
public sealed class TpmGuestMeasurer : IGuestMeasurer
{
    private readonly AttestRuntime _runtime;

    public TpmGuestMeasurer(AttestRuntime runtime) => _runtime = runtime;

    /// <exception cref="InvalidOperationException">Attestation is not running: a guest must not start unmeasured.</exception>
    public byte[] MeasureFile(string path, string description)
    {
        byte[] digest = _runtime.Require().MeasureFileAs(path, description).FileDigest;
        _runtime.MeasuredStateChanged();
        return digest;
    }

    /// <exception cref="InvalidOperationException">Attestation is not running: a guest must not start unmeasured.</exception>
    public byte[] MeasureBlob(string name, byte[] bytes)
    {
        byte[] digest = _runtime.Require().MeasureBlob(name, bytes).FileDigest;
        _runtime.MeasuredStateChanged();
        return digest;
    }
}
