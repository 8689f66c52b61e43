using Overlay.Attest.Ima;
using Overlay.Attest.Interop;
using Overlay.Attest.Quote;
using Overlay.Attest.Structures;
using Overlay.Attest.Tpm;

namespace Overlay.Attest.Tests.Fixtures;

/// <summary>
/// A real swtpm per fixture, in its own short temp directory (unique Unix socket), with one ESYS connection and
/// both attestation keys. Disposing flushes the keys, closes ESYS, kills swtpm, removes the directory, and fails
/// if any TPM handle leaked.
/// </summary>
public sealed class SwtpmFixture : IDisposable
{
    public SwtpmFixture()
    {
        Directory = Path.Combine("/tmp", $"tvdat-{Environment.ProcessId}-{Guid.NewGuid():N}"[..24]);
        Swtpm = EmbeddedSwtpm.Start(Directory);
        try
        {
            Device = TpmDevice.Open(Swtpm.Tcti);
            EccKey = AttestationKey.Create(Device, AkAlgorithm.EccP256);
            RsaKey = AttestationKey.Create(Device, AkAlgorithm.Rsa2048);
        }
        catch
        {
            // xunit does not dispose a fixture whose constructor threw: do not leave swtpm running.
            EccKey?.Dispose();
            Device?.Dispose();
            Swtpm.Dispose();
            System.IO.Directory.Delete(Directory, recursive: true);
            throw;
        }

        Log = new FileMeasurementLog();
        Measurer = new Measurer(Device, Log);
    }

    /// <summary>The one list for PCR 13 in this TPM: every test measures through it, so it always replays.</summary>
    public FileMeasurementLog Log { get; }

    public Measurer Measurer { get; }

    public static PcrSelection Selection => PcrSelection.Sha256(0, Overlay.Attest.Ima.Measurer.DefaultPcr);

    public Evidence Collect(byte[] nonce, AttestationKey? key = null) =>
        new QuoteCollector(Device, key ?? EccKey).CollectEvidence(nonce, Selection, Log);

    public string Directory { get; }

    public EmbeddedSwtpm Swtpm { get; }

    public TpmDevice Device { get; }

    public AttestationKey EccKey { get; }

    public AttestationKey RsaKey { get; }

    public string Tcti => Swtpm.Tcti;

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

        Assert.True(TpmHandleTracker.Handles.LiveCount == 0, "leaked TPM handles:\n" + string.Join("\n", TpmHandleTracker.Handles.Describe()));
    }
}

[CollectionDefinition(Name)]
public sealed class SwtpmCollection : ICollectionFixture<SwtpmFixture>
{
    public const string Name = "swtpm";
}
