namespace Overlay.Daemon.AttestHost;

/// <summary>
/// Where the attestation session lives while the daemon runs: set by <see cref="AttestService"/> once the TPM,
/// the AK and the start-up measurements are in place, cleared before the session is closed. The status section,
/// the <c>quote</c> verb and the guest measurer read it.
/// </summary>
public sealed class AttestRuntime
{
    private volatile AttestSession? _session;
    private volatile HandshakeAttestation? _handshake;

    /// <summary>Attested IKE's attester and verifier; null while attestation is not running.</summary>
    public HandshakeAttestation? Handshake
    {
        get => _handshake;
        internal set => _handshake = value;
    }

    /// <summary>
    /// Our measured state changed (a policy reload, a guest launch, a runtime measurement): evidence made before
    /// is not handed out again, so peers see the change in their next refresh.
    /// </summary>
    public void MeasuredStateChanged() => _handshake?.Attester.Invalidate();

    public AttestSession? Session
    {
        get => _session;
        internal set => _session = value;
    }

    /// <summary>
    /// A TPM quote attested IKE asked for took this long (raised on the quoting thread; handlers record and return).
    /// </summary>
    public event Action<TimeSpan>? QuoteTaken;

    internal void OnQuoteTaken(TimeSpan elapsed) => QuoteTaken?.Invoke(elapsed);

    /// <summary>The running session, or the reason there is none.</summary>
    public AttestSession Require() =>
        _session ?? throw new InvalidOperationException("attestation is not running (the daemon is starting or stopping)");
}
