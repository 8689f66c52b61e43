using Overlay.Attest.Handshake;
using Overlay.Attest.Ima;
using Overlay.Attest.Quote;
using Overlay.Attest.Structures;
using Overlay.Attest.Tpm;
using Overlay.Daemon.Configuration;

namespace Overlay.Daemon.AttestHost;

/// <summary>
/// The daemon's TPM while it runs: the TPM Overlay.Attest selected (and the swtpm it started, if any), the attestation key,
/// the measurement list and the measurer over the configured PCR, held together for the daemon's lifetime. One
/// <see cref="Measurer"/> records every measurement, so the list's order is the PCR's extend order whoever measures
/// (start-up, a policy reload, a guest launch). Disposing flushes the AK, closes the TPM and the list, and kills an
/// embedded swtpm.
/// </summary>
public sealed partial class AttestSession : IQuoteSource, IDisposable
{
    private readonly TpmSelection _selection;
    private readonly TpmDevice _device;
    private readonly MeasurementLogFiles _log;
    private readonly Measurer _measurer;
    private readonly QuoteCollector _quotes;

    private AttestSession(TpmSelection selection, TpmDevice device, AttestationKey key, MeasurementLogFiles log, AttestConfig config)
    {
        _selection = selection;
        _device = device;
        Key = key;
        _log = log;
        Algorithm = config.Key;
        _measurer = new Measurer(device, log, config.Pcr);
        _quotes = new QuoteCollector(device, key);
        Selection = PcrSelection.Sha256(config.Pcr);
    }

    public TpmKind Kind => _selection.Kind;

    public string Tcti => _selection.Tcti;

    /// <summary>True for any software TPM (embedded, or a configured swtpm TCTI): no hardware root of trust.</summary>
    public bool IsSoftware => _selection.IsSoftware;

    public int? SwtpmProcessId => _selection.Embedded?.ProcessId;

    public AttestationKey Key { get; }

    public AkAlgorithm Algorithm { get; }

    /// <summary>Lowercase hex SHA-256 of the AK's SubjectPublicKeyInfo: what a verifier pins.</summary>
    public string AkPin => Convert.ToHexStringLower(Key.AkPublic.Fingerprint);

    public int Pcr => _measurer.Pcr;

    /// <summary>What quotes cover: the SHA-256 bank of the measurement PCR.</summary>
    public PcrSelection Selection { get; }

    public string BinaryLogPath => _log.BinaryPath;

    public string AsciiLogPath => _log.AsciiPath;

    public MeasurementList Measurements => _log.Snapshot();

    /// <summary>Measures a file's content under its full path.</summary>
    public ImaNgEntry MeasureFile(string path) => _measurer.MeasureFile(path);

    /// <summary>Measures bytes under a name (e.g. <c>tvd:blue/web1/definition</c>).</summary>
    public ImaNgEntry MeasureBlob(string name, ReadOnlySpan<byte> content) => _measurer.MeasureBlob(name, content);

    /// <summary>Measures a file's content under another name (a guest image as <c>tvd:&lt;TVD&gt;/&lt;guest&gt;/image</c>).</summary>
    public ImaNgEntry MeasureFileAs(string path, string name) => _measurer.MeasureFileAs(path, name);

    /// <summary>A quote bound to <paramref name="nonce"/> with the AK and the lists (<see cref="QuoteCollector.CollectHostEvidence"/>).</summary>
    public Evidence CollectEvidence(ReadOnlySpan<byte> nonce) => _quotes.CollectHostEvidence(nonce, Pcr, _log, IsSoftware);

    /// <summary>Attested IKE's quotes (<see cref="HandshakeAttester"/>): the same evidence over its qualifying data.</summary>
    Evidence IQuoteSource.Collect(ReadOnlySpan<byte> qualifyingData) => CollectEvidence(qualifyingData);

    bool IQuoteSource.IsSoftwareTpm => IsSoftware;

    public void Dispose()
    {
        Key.Dispose();
        _device.Dispose();
        _log.Dispose();
        _selection.Dispose();
    }
}
