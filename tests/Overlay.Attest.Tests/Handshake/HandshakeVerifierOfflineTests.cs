using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using Overlay.Attest.Handshake;
using Overlay.Attest.Quote;
using Overlay.Attest.Tests.Handshake.Helpers;
using Overlay.Attest.Verify;
using static Overlay.Attest.Tests.Handshake.Helpers.Handshakes;

namespace Overlay.Attest.Tests.Handshake;

/// <summary>
/// <see cref="HandshakeVerifier.AppraiseOffline"/>: a bundle judged against one requirement with no handshake and no
/// verifier state, on the attested-ike lab's bundle and on software TPMs.
/// </summary>
public sealed class HandshakeVerifierOfflineTests : IDisposable
{
    /// <summary>SHA-256 of the SubjectPublicKeyInfo of the AK in Fixtures/handshake/bundle-lab-h2.hex (h2 of the lab, a swtpm).</summary>
    private const string LabAkPin = "c791f2fd0c769011318ca22c1e4610624aab73b855c297f365d6d059815c723b";

    /// <summary>The four entries of the lab bundle's list, as sha256sum lines (what the lab's h2 measured at start).</summary>
    private const string LabReferences = """
        2cd0f9d74e81672e316bcae4fa1fe1a467579e919c1c62e159b510f7c71e04b1  /work/main/bin/tvd-overlayd
        a3c84210399aa759b2198040e07e449c33bede5fbb7bceacb433f06e5643b074  /work/main/bin/tvd-overlayd.dll
        c4dd6b5d6bc9e9a04aceb22469f2f6716770ee926d8dae51001a9288fa6eec37  /tmp/tldci-lab/h2.toml
        1ed0ff07be590bf342d32c095e2e0dd31daa0ec2591c0749b495c77380cb0d24  /tmp/tldci-lab/policy.toml
        """;

    private readonly FakeTimeProvider _time = new();
    private readonly TestHost _h1;

    public HandshakeVerifierOfflineTests()
    {
        _h1 = new TestHost("h1", _time);
        _h1.Tpm.MeasureMany(3);
    }

    private DateTimeOffset Now => _time.GetUtcNow();

    private static byte[] LabBundle() =>
        Convert.FromHexString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "handshake", "bundle-lab-h2.hex")).Trim());

    private static AttestationRequirement LabRequirement(bool allowSoftwareTpm = true, string pin = LabAkPin, string references = LabReferences)
    {
        Assert.True(ReferenceValues.TryParse(references, out var values, out var error), error);
        return Requirement(references: values, allowSoftwareTpm: allowSoftwareTpm, pins: new Dictionary<string, string> { ["h2"] = pin });
    }

    /// <summary>h1's evidence for some verifier's challenge, as the daemon hands it to a peer (full lists).</summary>
    private byte[] Evidence(EvidenceRequest? request = null) => Get(_h1.Attester, RandomNumberGenerator.GetBytes(32), request).Bundle;

    private AttestationRequirement KnownGood(TimeSpan? maxAge = null) => Requirement(references: Allow(_h1.Tpm.Entries), maxAge: maxAge, pins: _h1.Pin);

    private static string Ids(OfflineAppraisal appraisal) => string.Join(",", appraisal.Verdict.Errors.Select(e => e.Id));

    [Fact]
    public void TheLabBundleMeetsARequirementThatKnowsItsEntriesAndPinsItsAk()
    {
        var at = new DateTimeOffset(2026, 12, 6, 1, 0, 0, TimeSpan.Zero);
        var appraisal = HandshakeVerifier.AppraiseOffline(LabBundle(), LabRequirement(), "h2", at.AddSeconds(-5), at);

        Assert.True(appraisal.Met, Ids(appraisal));
        Assert.Null(appraisal.Unappraisable);
        Assert.Equal(LabAkPin, appraisal.AkFingerprint);
        Assert.True(appraisal.SoftwareTpm);
        Assert.Equal([new OfflineList(MeasurementSource.Overlay, 0, 4, 4)], appraisal.Lists);
        Assert.Equal((2u, 0u, 1009ul), (appraisal.Quote!.ResetCount, appraisal.Quote.RestartCount, appraisal.Quote.Clock));
        Assert.Equal(at.AddSeconds(55), appraisal.ExpiresAt);

        // The lab's swtpm reports its clock as not safe: a warning, not a refusal (as in a handshake).
        Assert.Equal(["clock.unsafe"], appraisal.Findings.Select(f => f.Id));
        Assert.Equal(FindingSeverity.Warning, appraisal.Findings.Single().Severity);
        Assert.Equal(["binding", "challenge"], OfflineAppraisal.NotChecked);
    }

    [Fact]
    public void TheLabBundleFailsWhatItDoesNotShow()
    {
        var at = new DateTimeOffset(2026, 12, 6, 1, 0, 0, TimeSpan.Zero);
        OfflineAppraisal Appraise(AttestationRequirement requirement, string host = "h2") =>
            HandshakeVerifier.AppraiseOffline(LabBundle(), requirement, host, at, at);

        Assert.Equal("tpm.software", Ids(Appraise(LabRequirement(allowSoftwareTpm: false))));
        Assert.Equal("ak.trust", Ids(Appraise(LabRequirement(pin: new string('0', 64)))));
        var unknown = Appraise(LabRequirement(references: string.Join('\n', LabReferences.Split('\n').Skip(1))));
        Assert.Equal("ref.unknown", Ids(unknown));
        Assert.Contains("/work/main/bin/tvd-overlayd' (sha256:2cd0f9d7", unknown.Verdict.Errors.Single().Message);

        // h2's evidence presented as h1's: the bundle names h2, and the quote commits to it.
        Assert.Equal("binding.host", Ids(Appraise(LabRequirement(), host: "h1")));
    }

    [Fact]
    public void FreshEvidenceFromAPinnedAkWithKnownEntriesIsMet()
    {
        var requirement = KnownGood();
        var appraisal = HandshakeVerifier.AppraiseOffline(Evidence(), requirement, "h1", Now, Now);

        Assert.True(appraisal.Met, Ids(appraisal));
        Assert.Empty(appraisal.Verdict.Findings);
        Assert.Equal(_h1.Tpm.AkPin, appraisal.AkFingerprint);
        Assert.Equal([new OfflineList(MeasurementSource.Overlay, 0, 3, 3)], appraisal.Lists);
        Assert.Equal(Now + requirement.MaxAge, appraisal.ExpiresAt);
    }

    [Fact]
    public void AnUnknownBinaryIsRefusedWithItsPathAndDigest()
    {
        var requirement = KnownGood();
        var evil = _h1.Tpm.Measure("/usr/bin/evil");
        _h1.Attester.Invalidate();

        var appraisal = HandshakeVerifier.AppraiseOffline(Evidence(), requirement, "h1", Now, Now);

        Assert.False(appraisal.Met);
        Assert.Null(appraisal.Unappraisable);
        Assert.Equal("ref.unknown", Ids(appraisal));
        Assert.Equal($"'/usr/bin/evil' (sha256:{Convert.ToHexStringLower(evil.FileDigest)}) is not in the reference values",
            appraisal.Verdict.Errors.Single().Message);
        Assert.Equal([new OfflineList(MeasurementSource.Overlay, 0, 4, 4)], appraisal.Lists);
    }

    [Fact]
    public void AnAkNotTrustedForTheHostIsRefusedAndItsEntriesAreNotJudged()
    {
        using var h2 = new TestHost("h1", _time); // another TPM and AK, claiming to be h1
        h2.Tpm.Measure("/usr/bin/evil");
        var bundle = Get(h2.Attester, RandomNumberGenerator.GetBytes(32)).Bundle;

        var appraisal = HandshakeVerifier.AppraiseOffline(bundle, KnownGood(), "h1", Now, Now);

        Assert.Equal("ak.trust", Ids(appraisal));
        Assert.Equal(h2.Tpm.AkPin, appraisal.AkFingerprint);
        Assert.Contains($"AK sha256:{h2.Tpm.AkPin} is neither pinned for host 'h1'", appraisal.Verdict.Errors.Single().Message);
    }

    [Fact]
    public void EvidenceOlderThanMaxAgeWhenJudgedIsStale()
    {
        var existed = Now;
        var bundle = Evidence();
        var requirement = KnownGood(TimeSpan.FromSeconds(60));

        var edge = HandshakeVerifier.AppraiseOffline(bundle, requirement, "h1", existed, existed.AddSeconds(60));
        Assert.True(edge.Met, Ids(edge));

        var stale = HandshakeVerifier.AppraiseOffline(bundle, requirement, "h1", existed, existed.AddSeconds(60).AddMilliseconds(1));
        Assert.False(stale.Met);
        Assert.Equal("challenge.stale", Ids(stale));
        Assert.True(stale.Verdict.Errors.Single().Recoverable);
        Assert.Contains("60001 ms", stale.Verdict.Errors.Single().Message);
    }

    [Fact]
    public void ABundleWithADeltaListCannotBeAppraisedOffline()
    {
        var verifier = new TestVerifier(_time);
        Assert.True(RunHandshake(_h1.Attester, verifier.Verifier, KnownGood()).IsMet("known-good"));
        _h1.Tpm.Measure("/usr/lib/tvd/later");
        _h1.Attester.Invalidate();
        var bundle = Evidence(new EvidenceRequest(verifier.Verifier.Checkpoint("h1")));
        Assert.True(EvidenceBundleCodec.TryDecode(bundle, out var decoded, out _));
        Assert.Equal(3, decoded.Lists.Single().Base);

        var appraisal = HandshakeVerifier.AppraiseOffline(bundle, KnownGood(), "h1", Now, Now);

        Assert.False(appraisal.Met);
        Assert.Contains("the Overlay list is a delta after entry 3", appraisal.Unappraisable);
        Assert.Contains("cannot be replayed offline", appraisal.Unappraisable);
        Assert.Equal("log.delta", Ids(appraisal));
        Assert.Equal([new OfflineList(MeasurementSource.Overlay, 3, null, null)], appraisal.Lists);
    }

    [Fact]
    public void AListThatDoesNotReplayToTheQuotedPcrsIsRefused()
    {
        Assert.True(EvidenceBundleCodec.TryDecode(Evidence(), out var bundle, out _));
        var entries = _h1.Tpm.Entries.ToArray();
        (entries[0], entries[1]) = (entries[1], entries[0]);
        var reordered = HandshakeVerifierTests.With(bundle,
            lists: [new BundleList(MeasurementSource.Overlay, 0, new Overlay.Attest.Ima.MeasurementList(entries).ToBinary())]);

        var appraisal = HandshakeVerifier.AppraiseOffline(EvidenceBundleCodec.Encode(reordered), KnownGood(), "h1", Now, Now);

        Assert.Equal("log.replay", Ids(appraisal));
        Assert.Equal([new OfflineList(MeasurementSource.Overlay, 0, 3, null)], appraisal.Lists);
    }

    [Fact]
    public void AQuoteSplicedUnderAnotherEphemeralKeyFailsTheQualifyingData()
    {
        Assert.True(EvidenceBundleCodec.TryDecode(Evidence(), out var bundle, out _));
        using var stolen = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var forged = EvidenceBundleCodec.Encode(HandshakeVerifierTests.With(bundle, key: stolen.ExportSubjectPublicKeyInfo()));

        Assert.Equal("quote.nonce", Ids(HandshakeVerifier.AppraiseOffline(forged, KnownGood(), "h1", Now, Now)));
    }

    [Fact]
    public void BytesThatAreNotABundleCannotBeAppraised()
    {
        var appraisal = HandshakeVerifier.AppraiseOffline("TVDE\0\u0001"u8, KnownGood(), "h1", Now, Now);

        Assert.Equal("evidence.bundle", Ids(appraisal));
        Assert.StartsWith("it does not decode as an evidence bundle: ", appraisal.Unappraisable);
        Assert.Null(appraisal.Quote);
    }

    [Fact]
    public void ATimeOfExistenceAfterTheTimeJudgedIsAProgrammingError() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => HandshakeVerifier.AppraiseOffline([1], KnownGood(), "h1", Now.AddSeconds(1), Now));

    public void Dispose() => _h1.Dispose();
}
