using Overlay.Attest.Handshake;
using Overlay.Attest.Ima;
using Overlay.Attest.Interop;
using Overlay.Attest.Quote;
using Overlay.Attest.Structures;
using Overlay.Attest.Tpm;

namespace Overlay.Attest.Tests.Handshake.Helpers;

/// <summary>
/// A swtpm of its own for the handshake tests (so the list is theirs alone), with an ECC AK (host h1's) and an RSA AK
/// (standing in for another host's). TPM commands are serialised on <see cref="Gate"/>: the attester quotes on a
/// background task while tests measure. A class fixture inside the swtpm collection (TPM tests run one at a time):
/// on dispose every handle it opened must be closed again.
/// </summary>
public sealed class HandshakeTpmFixture : IDisposable
{
    private readonly int _handlesBefore = TpmHandleTracker.Handles.LiveCount;

    public HandshakeTpmFixture()
    {
        Directory = Path.Combine("/tmp", $"tvdhs-{Environment.ProcessId}-{Guid.NewGuid():N}"[..24]);
        Swtpm = EmbeddedSwtpm.Start(Directory);
        Device = TpmDevice.Open(Swtpm.Tcti);
        EccKey = AttestationKey.Create(Device, AkAlgorithm.EccP256);
        RsaKey = AttestationKey.Create(Device, AkAlgorithm.Rsa2048);
        Log = new FileMeasurementLog();
        Measurer = new Measurer(Device, Log);
    }

    public static PcrSelection Selection => PcrSelection.Sha256(0, Measurer.DefaultPcr);

    public Lock Gate { get; } = new();

    public string Directory { get; }

    public EmbeddedSwtpm Swtpm { get; }

    public TpmDevice Device { get; }

    public AttestationKey EccKey { get; }

    public AttestationKey RsaKey { get; }

    public FileMeasurementLog Log { get; }

    public Measurer Measurer { get; }

    public string Pin(AttestationKey key) => Convert.ToHexStringLower(key.AkPublic.Fingerprint);

    public ImaNgEntry Measure(string name)
    {
        lock (Gate)
        {
            return Measurer.MeasureBlob(name, System.Text.Encoding.UTF8.GetBytes(name));
        }
    }

    public IQuoteSource Source(AttestationKey key) => new SwtpmQuoteSource(this, key);

    public void Dispose()
    {
        Log.Dispose();
        EccKey.Dispose();
        RsaKey.Dispose();
        Device.Dispose();
        Swtpm.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: swtpm may still be releasing its lock file.
        }

        Assert.True(TpmHandleTracker.Handles.LiveCount == _handlesBefore, "leaked TPM handles:\n" + string.Join("\n", TpmHandleTracker.Handles.Describe()));
    }

    /// <summary>The daemon's quote source, in miniature: a real TPM2_Quote over sha256:0,13 with the list.</summary>
    private sealed class SwtpmQuoteSource(HandshakeTpmFixture tpm, AttestationKey key) : IQuoteSource
    {
        public bool IsSoftwareTpm => true;

        public Evidence Collect(ReadOnlySpan<byte> qualifyingData)
        {
            lock (tpm.Gate)
            {
                return new QuoteCollector(tpm.Device, key).CollectEvidence(qualifyingData, Selection, tpm.Log);
            }
        }
    }
}
