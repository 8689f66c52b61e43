using System.Security.Cryptography;
using Overlay.Attest.Ima;
using Overlay.Attest.Quote;
using Overlay.Attest.Structures;
using Overlay.Attest.Tpm;

namespace Overlay.Benchmarks.Attest;

/// <summary>A swtpm with both attestation keys for benchmark setup; killed and removed on dispose.</summary>
internal sealed class BenchTpm : IDisposable
{
    private readonly string _directory = Path.Combine("/tmp", $"tvdbench-{Guid.NewGuid():N}"[..21]);

    public BenchTpm()
    {
        Swtpm = EmbeddedSwtpm.Start(_directory);
        Device = TpmDevice.Open(Swtpm.Tcti);
        Ecc = AttestationKey.Create(Device, AkAlgorithm.EccP256);
        Rsa = AttestationKey.Create(Device, AkAlgorithm.Rsa2048);
        Log = new FileMeasurementLog();
        Measurer = new Measurer(Device, Log);
    }

    public static PcrSelection Selection => PcrSelection.Sha256(0, Measurer.DefaultPcr);

    public EmbeddedSwtpm Swtpm { get; }

    public TpmDevice Device { get; }

    public AttestationKey Ecc { get; }

    public AttestationKey Rsa { get; }

    public FileMeasurementLog Log { get; }

    public Measurer Measurer { get; }

    /// <summary>Measures <paramref name="count"/> distinct blobs (each a real PCR extend on the swtpm).</summary>
    public void Measure(int count)
    {
        for (var i = 0; i < count; i++)
        {
            Measurer.MeasureBlob($"/usr/lib/tvd/file-{i:D5}", BitConverter.GetBytes(i));
        }
    }

    public Evidence Collect(AttestationKey key, byte[] nonce, bool withList) =>
        new QuoteCollector(Device, key).CollectEvidence(nonce, Selection, withList ? Log : null);

    public static byte[] NewNonce() => RandomNumberGenerator.GetBytes(20);

    public void Dispose()
    {
        Ecc.Dispose();
        Rsa.Dispose();
        Log.Dispose();
        Device.Dispose();
        Swtpm.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
