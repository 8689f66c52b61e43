using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Overlay.Attest.Ima;
using Overlay.Attest.Tpm;
using Overlay.Attest.Verify;
using Overlay.Daemon.AttestHost;
using Overlay.Daemon.Configuration;
using Overlay.Daemon.Tests.Support;

namespace Overlay.Daemon.Tests.AttestHost;

/// <summary>
/// The session against a real swtpm the test owns (configured by TCTI, so the PCR survives a session): a list
/// that still explains the PCR is continued, one that does not is set aside; guest launches measure into it.
/// </summary>
public sealed class AttestSessionTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private EmbeddedSwtpm _swtpm;

    public AttestSessionTests() => _swtpm = EmbeddedSwtpm.Start(_directory.File("swtpm"));

    private AttestConfig Config => AttestConfig.Defaults(_directory.Path) with { Tcti = _swtpm.Tcti };

    [Fact]
    public void A_restarted_daemon_continues_its_list_while_the_tpm_keeps_the_pcr()
    {
        using (AttestSession first = AttestSession.Open(Config, NullLogger.Instance))
        {
            first.MeasureBlob("first", "one"u8);
            first.MeasureBlob("second", "two"u8);
        }

        using AttestSession again = AttestSession.Open(Config, NullLogger.Instance);
        again.MeasureBlob("third", "three"u8);

        Assert.Equal(["first", "second", "third"], again.Measurements.Entries.Select(e => e.Path));
        Assert.Equal(TpmKind.ConfiguredTcti, again.Kind);
        Assert.True(VerifyQuote(again).IsTrusted);
        Assert.False(File.Exists(Config.MeasurementLog + ".previous"));
    }

    [Fact]
    public void After_a_tpm_reset_the_old_list_is_set_aside_and_a_new_one_begins()
    {
        using (AttestSession first = AttestSession.Open(Config, NullLogger.Instance))
        {
            first.MeasureBlob("before reset", "x"u8);
        }

        // A new swtpm on the same state starts with startup-clear: PCRs back to zero, as after a reboot.
        _swtpm.Dispose();
        _swtpm = EmbeddedSwtpm.Start(_directory.File("swtpm"));
        using AttestSession again = AttestSession.Open(Config, NullLogger.Instance);

        Assert.Empty(again.Measurements.Entries);
        Assert.True(MeasurementList.TryParse(File.ReadAllBytes(Config.MeasurementLog + ".previous"), out var previous, out _));
        Assert.Equal("before reset", Assert.Single(previous.Entries).Path);
        Assert.Equal("", File.ReadAllText(Config.AsciiMeasurementLog));
        Assert.True(VerifyQuote(again).IsTrusted);
    }

    [Fact]
    public void Guest_launches_measure_into_the_pcr_under_their_tvd_names()
    {
        using AttestSession session = AttestSession.Open(Config, NullLogger.Instance);
        var runtime = new AttestRuntime();
        var measurer = new TpmGuestMeasurer(runtime);
        string image = _directory.File("web1.qcow2");
        File.WriteAllBytes(image, RandomNumberGenerator.GetBytes(300_000));
        byte[] xml = "<domain type='kvm'><name>web1</name></domain>"u8.ToArray();

        Assert.Throws<InvalidOperationException>(() => measurer.MeasureBlob("tvd:blue/web1/definition", xml));
        runtime.Session = session;
        byte[] imageDigest = measurer.MeasureFile(image, "tvd:blue/web1/image");
        byte[] xmlDigest = measurer.MeasureBlob("tvd:blue/web1/definition", xml);

        Assert.Equal(SHA256.HashData(File.ReadAllBytes(image)), imageDigest);
        Assert.Equal(SHA256.HashData(xml), xmlDigest);
        Assert.Equal(["tvd:blue/web1/image", "tvd:blue/web1/definition"], session.Measurements.Entries.Select(e => e.Path));
        var references = new ReferenceValues();
        references.AllowGuestImage("blue", imageDigest);
        references.AllowGuestImage("blue", xmlDigest);
        VerificationResult result = VerifyQuote(session, references);
        Assert.True(result.IsTrusted, result.ToString());
        Assert.Equal(2, result.VerifiedEntries);

        var other = new ReferenceValues();
        other.AllowGuestImage("blue", xmlDigest);
        Assert.True(VerifyQuote(session, other).Has("ref.mismatch"));
    }

    public void Dispose()
    {
        _swtpm.Dispose();
        _directory.Dispose();
    }

    private static VerificationResult VerifyQuote(AttestSession session, ReferenceValues? references = null)
    {
        byte[] nonce = RandomNumberGenerator.GetBytes(16);
        var policy = new VerifierPolicy { References = references };
        policy.PinnedAkFingerprints.Add(session.AkPin);
        return new QuoteVerifier().Verify(session.CollectEvidence(nonce), nonce, policy);
    }
}
