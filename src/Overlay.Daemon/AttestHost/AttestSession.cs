using System.Security.Cryptography;
using Overlay.Attest.Ima;
using Overlay.Attest.Quote;
using Overlay.Attest.Structures;
using Overlay.Attest.Tpm;
using Overlay.Daemon.Configuration;

namespace Overlay.Daemon.AttestHost;

/// <summary>
/// The daemon's TPM while it runs: the TPM Overlay.Attest selected (and the swtpm it started, if any), the attestation key,
/// the measurement list and the measurer over the configured PCR. Every measurement goes through one lock, so
/// the list's order is the PCR's extend order whoever measures (start-up, a policy reload, a guest launch).
/// Disposing flushes the AK, closes the TPM and the list, and kills an embedded swtpm.
/// </summary>
public sealed partial class AttestSession : IDisposable
{
    private readonly TpmSelection _selection;
    private readonly TpmDevice _device;
    private readonly MeasurementLogFiles _log;
    private readonly Measurer _measurer;
    private readonly QuoteCollector _quotes;
    private readonly Lock _measureGate = new();

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
    public ImaNgEntry MeasureFile(string path)
    {
        lock (_measureGate)
        {
            return _measurer.MeasureFile(path);
        }
    }

    /// <summary>Measures bytes under a name (e.g. <c>tvd:blue/web1/definition</c>).</summary>
    public ImaNgEntry MeasureBlob(string name, ReadOnlySpan<byte> content)
    {
        lock (_measureGate)
        {
            return _measurer.MeasureBlob(name, content);
        }
    }

    /// <summary>
    /// Measures a file's content under another name (a guest image as <c>tvd:&lt;TVD&gt;/&lt;guest&gt;/image</c>).
    /// The file is hashed as a stream, outside the lock: images are gigabytes, and reading one into memory for
    /// <see cref="Measurer.MeasureBlob"/> is not an option. The entry is then recorded exactly as the Measurer
    /// records one: extend, then append.
    /// </summary>
    public ImaNgEntry MeasureFileAs(string path, string name)
    {
        byte[] digest;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
        {
            digest = SHA256.HashData(stream);
        }

        var entry = ImaNgEntry.Create((uint)Pcr, "sha256", digest, name);
        lock (_measureGate)
        {
            _device.Extend(Pcr, entry.TemplateHash, entry.Sha256ExtendValue);
            _log.Append(entry);
        }

        return entry;
    }

    /// <summary>
    /// A quote over <see cref="Selection"/> bound to <paramref name="nonce"/>, with the AK and the list. On a
    /// hardware TPM of a host with kernel IMA, the kernel's list and PCR 10 are evidence too (the kernel
    /// extends that TPM, never our swtpm, so a software TPM quotes our PCR alone).
    /// </summary>
    public Evidence CollectEvidence(ReadOnlySpan<byte> nonce)
    {
        MeasurementList? kernel = IsSoftware ? null : KernelImaLog.TryRead();
        return kernel is null
            ? _quotes.CollectEvidence(nonce, Selection, _log)
            : _quotes.CollectEvidence(nonce, PcrSelection.Sha256(KernelImaPcr, Pcr), _log, kernel);
    }

    /// <summary>The PCR the kernel's IMA extends.</summary>
    public const int KernelImaPcr = 10;

    public void Dispose()
    {
        Key.Dispose();
        _device.Dispose();
        _log.Dispose();
        _selection.Dispose();
    }
}
