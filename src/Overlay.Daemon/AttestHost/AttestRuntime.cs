namespace Overlay.Daemon.AttestHost;

/// <summary>
/// Where the attestation session lives while the daemon runs: set by <see cref="AttestService"/> once the TPM,
/// the AK and the start-up measurements are in place, cleared before the session is closed. The status section,
/// the <c>quote</c> verb and the guest measurer read it.
/// </summary>
public sealed class AttestRuntime
{
    private volatile AttestSession? _session;

    public AttestSession? Session
    {
        get => _session;
        internal set => _session = value;
    }

    /// <summary>The running session, or the reason there is none.</summary>
    public AttestSession Require() =>
        _session ?? throw new InvalidOperationException("attestation is not running (the daemon is starting or stopping)");
}
