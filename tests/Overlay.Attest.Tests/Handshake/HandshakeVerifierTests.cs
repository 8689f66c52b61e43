using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Time.Testing;
using Overlay.Attest.Handshake;
using Overlay.Attest.Structures;
using Overlay.Attest.Tests.Handshake.Helpers;
using static Overlay.Attest.Tests.Handshake.Helpers.Handshakes;

namespace Overlay.Attest.Tests.Handshake;

/// <summary>Binding, freshness, AK trust per host and verdict mapping, on software TPMs and fake time.</summary>
public sealed class HandshakeVerifierTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly TestHost _h1;
    private readonly TestVerifier _v;
    private readonly Overlay.Attest.Verify.ReferenceValues _references;

    public HandshakeVerifierTests()
    {
        _h1 = new TestHost("h1", _time);
        _h1.Tpm.MeasureMany(3);
        _v = new TestVerifier(_time);
        _references = Allow(_h1.Tpm.Entries);
    }

    // One reference-values instance, as a loaded policy has: judgements are kept per instance.
    private AttestationRequirement KnownGood(TimeSpan? maxAge = null, bool allowSoftware = true, string name = "known-good") =>
        Requirement(name, _references, maxAge, allowSoftware, _h1.Pin);

    private (PreparedEvidence Evidence, byte[] Octets, byte[] Binding) Prepare(TestHost host, TestVerifier verifier)
    {
        var evidence = Get(host.Attester, verifier.Issuer.Current.Value);
        var octets = BindingOctets();
        return (evidence, octets, evidence.Sign(octets));
    }

    private PeerAppraisal Verify(string host, byte[] bundle, byte[] binding, byte[] octets, params AttestationRequirement[] requirements) =>
        _v.Verifier.Verify(host, bundle, binding, octets, requirements);

    [Fact]
    public void FreshBoundEvidenceFromAPinnedAkMeetsTheRequirement()
    {
        var requirement = KnownGood();
        var appraisal = RunHandshake(_h1.Attester, _v.Verifier, requirement);
        Assert.True(appraisal.IsMet("known-good"), Ids(appraisal, "known-good"));
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromSeconds(60), appraisal.ExpiresAt(requirement));
        Assert.Equal(_h1.Tpm.AkPin, appraisal.AkFingerprint);
        Assert.True(appraisal.SoftwareTpm);
        Assert.Equal(3, _v.Verifier.Checkpoint("h1")!.Counts[Overlay.Attest.Quote.MeasurementSource.Overlay]);
    }

    [Fact]
    public void VerifiersSharingTheClusterEpochAreServedByOneQuote()
    {
        var epoch = new SharedEpoch { Latest = EpochChallenge.FromPublished(RandomNumberGenerator.GetBytes(32), _time.GetUtcNow(), _time.GetUtcNow()) };
        TestVerifier[] verifiers = [new(_time), new(_time), new(_time)];
        foreach (var verifier in verifiers)
        {
            verifier.Issuer.Epochs = epoch;
        }

        foreach (var verifier in verifiers)
        {
            var appraisal = RunHandshake(_h1.Attester, verifier.Verifier, KnownGood());
            Assert.True(appraisal.IsMet("known-good"), Ids(appraisal, "known-good"));
        }

        Assert.Equal(1, _h1.Tpm.Quotes); // three verifiers, one epoch, one quote

        // Evidence for the epoch does not satisfy a verifier that never saw it (files mode: its own challenges).
        var outsider = new TestVerifier(_time);
        var (evidence, octets, binding) = Prepare(_h1, verifiers[0]);
        var refused = outsider.Verifier.Verify("h1", evidence.Bundle, binding, octets, [KnownGood()]);
        Assert.False(refused.IsMet("known-good"));
    }

    private sealed class SharedEpoch : IEpochSource
    {
        public AttestationChallenge? Latest { get; set; }
    }

    [Fact]
    public void OneQuoteVerifiesInManyHandshakesWithoutLookingLikeAReplay()
    {
        for (var i = 0; i < 10; i++)
        {
            var appraisal = RunHandshake(_h1.Attester, _v.Verifier, KnownGood());
            Assert.True(appraisal.IsMet("known-good"), Ids(appraisal, "known-good"));
        }

        Assert.Equal(1, _h1.Attester.QuotesMade);
    }

    [Fact]
    public void EvidenceMovedToOtherBindingOctetsIsRefused()
    {
        var (evidence, octets, binding) = Prepare(_h1, _v);
        Assert.True(Verify("h1", evidence.Bundle, binding, octets, KnownGood()).IsMet("known-good"));

        var other = BindingOctets();
        var appraisal = Verify("h1", evidence.Bundle, binding, other, KnownGood());
        Assert.Equal("binding", Ids(appraisal, "known-good"));
        Assert.Equal("binding", Ids(Verify("h1", evidence.Bundle, [0x30, 0x00], octets, KnownGood()), "known-good"));
    }

    [Fact]
    public void EvidenceMovedToAnotherHostIdIsRefused()
    {
        using var h2 = new TestHost("h2", _time);
        var (evidence, octets, binding) = Prepare(_h1, _v);
        var pins = new Dictionary<string, string> { ["h1"] = _h1.Tpm.AkPin, ["h2"] = h2.Tpm.AkPin };
        var appraisal = Verify("h2", evidence.Bundle, binding, octets, Requirement(pins: pins));
        Assert.Equal("binding.host", Ids(appraisal, "known-good"));
    }

    [Fact]
    public void EvidenceForAnotherVerifiersChallengeIsRefused()
    {
        var other = new TestVerifier(_time);
        var (evidence, octets, binding) = Prepare(_h1, other);
        Assert.True(other.Verifier.Verify("h1", evidence.Bundle, binding, octets, [KnownGood()]).IsMet("known-good"));
        Assert.Equal("challenge.unknown", Ids(Verify("h1", evidence.Bundle, binding, octets, KnownGood()), "known-good"));

        // Claiming our challenge instead, with the other verifier's proof, breaks the inclusion proof.
        Assert.True(EvidenceBundleCodec.TryDecode(evidence.Bundle, out var bundle, out _));
        var swapped = EvidenceBundleCodec.Encode(With(bundle, challenge: _v.Issuer.Current.Value));
        Assert.Equal("merkle.proof", Ids(Verify("h1", swapped, binding, octets, KnownGood()), "known-good"));
    }

    [Fact]
    public void EvidenceForAChallengeWeNeverIssuedIsRefused()
    {
        var evidence = Get(_h1.Attester, RandomNumberGenerator.GetBytes(32));
        var octets = BindingOctets();
        var appraisal = Verify("h1", evidence.Bundle, evidence.Sign(octets), octets, KnownGood());
        Assert.Equal("challenge.unknown", Ids(appraisal, "known-good"));
        Assert.Null(appraisal.ChallengeIssuedAt);
        Assert.True(appraisal.Findings.Single().Recoverable);
    }

    [Fact]
    public void TheFreshnessWindowEndsExactlyAtMaxAge()
    {
        var (evidence, octets, binding) = Prepare(_h1, _v);
        var requirement = KnownGood(TimeSpan.FromSeconds(60));
        _time.Advance(TimeSpan.FromSeconds(60));
        Assert.True(Verify("h1", evidence.Bundle, binding, octets, requirement).IsMet("known-good"));

        _time.Advance(TimeSpan.FromMilliseconds(1));
        var stale = Verify("h1", evidence.Bundle, binding, octets, requirement);
        Assert.Equal("challenge.stale", Ids(stale, "known-good"));
        Assert.True(stale.Verdicts["known-good"].Errors.Single().Recoverable);

        // Another requirement with a longer max_age still accepts the same evidence.
        var patient = stale.Verdicts.Count == 1
            ? Verify("h1", evidence.Bundle, binding, octets, requirement, KnownGood(TimeSpan.FromSeconds(120), name: "patient"))
            : stale;
        Assert.False(patient.IsMet("known-good"));
        Assert.True(patient.IsMet("patient"), Ids(patient, "patient"));
    }

    [Fact]
    public void EvidenceOfARotatedKeyCannotBeSignedWithTheNewKeyOrViceVersa()
    {
        var (old, octets, oldBinding) = Prepare(_h1, _v);
        _h1.Attester.Invalidate();
        var current = Get(_h1.Attester, _v.Issuer.Current.Value);
        Assert.NotEqual(old.QuoteSerial, current.QuoteSerial);
        Assert.Equal("binding", Ids(Verify("h1", old.Bundle, current.Sign(octets), octets, KnownGood()), "known-good"));
        Assert.Equal("binding", Ids(Verify("h1", current.Bundle, oldBinding, octets, KnownGood()), "known-good"));
    }

    [Fact]
    public void AQuoteSplicedUnderAnotherEphemeralKeyFailsTheQualifyingData()
    {
        var (evidence, _, _) = Prepare(_h1, _v);
        Assert.True(EvidenceBundleCodec.TryDecode(evidence.Bundle, out var bundle, out _));
        using var stolen = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var forged = EvidenceBundleCodec.Encode(With(bundle, key: stolen.ExportSubjectPublicKeyInfo()));
        var octets = BindingOctets();
        var appraisal = Verify("h1", forged, stolen.SignData(octets, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence), octets, KnownGood());
        Assert.Equal("quote.nonce", Ids(appraisal, "known-good"));
        Assert.Null(_v.Verifier.Checkpoint("h1"));
    }

    [Fact]
    public void AnEphemeralKeyOtherThanUncompressedP256IsRefused()
    {
        var (evidence, _, _) = Prepare(_h1, _v);
        Assert.True(EvidenceBundleCodec.TryDecode(evidence.Bundle, out var bundle, out _));
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var octets = BindingOctets();
        var forged = EvidenceBundleCodec.Encode(With(bundle, key: p384.ExportSubjectPublicKeyInfo()));
        var appraisal = Verify("h1", forged, p384.SignData(octets, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence), octets, KnownGood());
        Assert.Equal("binding", Ids(appraisal, "known-good"));
        Assert.Contains("P-256", appraisal.Findings.Single().Message);
    }

    [Fact]
    public void ASoftwareTpmIsRefusedUnlessTheRequirementAllowsIt()
    {
        var appraisal = RunHandshake(_h1.Attester, _v.Verifier, KnownGood(allowSoftware: false, name: "hardware"), KnownGood());
        Assert.Equal("tpm.software", Ids(appraisal, "hardware"));
        Assert.True(appraisal.IsMet("known-good"));

        // The flag is self-declared: a host that does not declare it is not refused for it. Only the AK's
        // enrolment can vouch for hardware.
        using var quiet = new TestHost("h1", _time, softwareTpm: false);
        quiet.Tpm.MeasureMany(3);
        var undeclared = RunHandshake(quiet.Attester, new TestVerifier(_time).Verifier, Requirement("hardware", Allow(quiet.Tpm.Entries), allowSoftwareTpm: false, pins: quiet.Pin));
        Assert.True(undeclared.IsMet("hardware"));
    }

    [Fact]
    public void AnAkPinnedForAnotherHostIsRefusedAndLeavesNoState()
    {
        using var h2 = new TestHost("h1", _time); // h2's TPM and AK, claiming to be h1
        h2.Tpm.MeasureMany(3);
        var pins = new Dictionary<string, string> { ["h1"] = _h1.Tpm.AkPin, ["h2"] = "sha256:" + h2.Tpm.AkPin };
        var appraisal = RunHandshake(h2.Attester, _v.Verifier, Requirement(references: Allow(h2.Tpm.Entries), pins: pins));
        Assert.Equal("ak.trust", Ids(appraisal, "known-good"));
        Assert.Null(_v.Verifier.Checkpoint("h1"));
        Assert.Equal(0, _v.Verifier.HostCount);

        Assert.True(RunHandshake(_h1.Attester, _v.Verifier, Requirement(references: Allow(_h1.Tpm.Entries), pins: pins)).IsMet("known-good"));
    }

    [Fact]
    public void AnAkCertificateMustChainToTheRequirementsCaAndNameTheHost()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var now = _time.GetUtcNow();
        var caRequest = new CertificateRequest("CN=TVD AK CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
        byte[] Issue(string name)
        {
            var request = new CertificateRequest(new X500DistinguishedName($"CN={name}"), PublicKey.CreateFromSubjectPublicKeyInfo(_h1.Tpm.AkSpki, out _), HashAlgorithmName.SHA256);
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName(name + ".fleet.example");
            request.CertificateExtensions.Add(san.Build());
            using var cert = request.Create(ca, now.AddDays(-1), now.AddDays(10), RandomNumberGenerator.GetBytes(8));
            return cert.RawData;
        }

        PeerAppraisal HandshakeWith(byte[] certificate, X509Certificate2 trusted, string host = "h1")
        {
            _h1.Tpm.AkCertificate = certificate;
            _h1.Attester.Invalidate();
            return RunHandshake(_h1.Attester, new TestVerifier(_time).Verifier, Requirement(references: Allow(_h1.Tpm.Entries), cas: [trusted]));
        }

        Assert.True(HandshakeWith(Issue("h1"), ca).IsMet("known-good"));
        Assert.Equal("ak.trust", Ids(HandshakeWith(Issue("h2"), ca), "known-good"));

        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var otherCa = new CertificateRequest("CN=Other", otherKey, HashAlgorithmName.SHA256).CreateSelfSigned(now.AddDays(-1), now.AddDays(30));
        Assert.Equal("ak.certificate", Ids(HandshakeWith(Issue("h1"), otherCa), "known-good"));
    }

    [Fact]
    public void ARequirementOnPcrsTheQuoteDoesNotCoverIsNotMet()
    {
        var appraisal = RunHandshake(_h1.Attester, _v.Verifier, Requirement("wide", pcrs: PcrSelection.Sha256(13, 14), pins: _h1.Pin), KnownGood());
        Assert.Equal("pcr.required", Ids(appraisal, "wide"));
        Assert.True(appraisal.IsMet("known-good"));
    }

    [Fact]
    public void EachFindingLandsInTheVerdictOfTheRequirementItConcerns()
    {
        using var h2 = new TestHost("h2", _time);
        var requirements = new[]
        {
            KnownGood(),
            Requirement("other-host", Allow(_h1.Tpm.Entries), pins: h2.Pin),
            KnownGood(allowSoftware: false, name: "hardware"),
            Requirement("strict", new Overlay.Attest.Verify.ReferenceValues(), pins: _h1.Pin),
            KnownGood(TimeSpan.FromSeconds(5), name: "impatient"),
            Requirement("open", pins: _h1.Pin),
        };
        var (evidence, octets, binding) = Prepare(_h1, _v);
        _time.Advance(TimeSpan.FromSeconds(6));
        var appraisal = Verify("h1", evidence.Bundle, binding, octets, requirements);

        Assert.DoesNotContain(appraisal.Findings, f => f.Severity == Overlay.Attest.Verify.FindingSeverity.Error);
        Assert.True(appraisal.IsMet("known-good"));
        Assert.True(appraisal.IsMet("open"));
        Assert.Equal("ak.trust", Ids(appraisal, "other-host"));
        Assert.Equal("tpm.software", Ids(appraisal, "hardware"));
        Assert.Equal("ref.unknown,ref.unknown,ref.unknown", Ids(appraisal, "strict"));
        Assert.Equal("challenge.stale", Ids(appraisal, "impatient"));

        // A common failure fails every requirement, with the same finding in each verdict.
        var unbound = Verify("h1", evidence.Bundle, binding, BindingOctets(), requirements);
        Assert.All(unbound.Verdicts.Values, v => Assert.Equal(["binding"], v.Errors.Select(e => e.Id)));
        Assert.All(Verify("h1", [1, 2, 3], binding, octets, requirements).Verdicts.Values, v => Assert.Equal("evidence.bundle", v.Errors.Single().Id));
    }

    [Fact]
    public void AnOlderQuoteAfterANewerOneOfTheSameBootIsAReplay()
    {
        var (older, _, _) = Prepare(_h1, _v);
        _h1.Attester.Invalidate();
        var (newer, octets, binding) = Prepare(_h1, _v);
        Assert.True(Verify("h1", newer.Bundle, binding, octets, KnownGood()).IsMet("known-good"));

        var again = BindingOctets();
        Assert.Equal("quote.replay", Ids(Verify("h1", older.Bundle, older.Sign(again), again, KnownGood()), "known-good"));
    }

    [Fact]
    public void TheNumberOfHostsKeptIsBounded()
    {
        var verifier = new TestVerifier(_time, maxHosts: 2);
        var hosts = Enumerable.Range(1, 3).Select(i => new TestHost($"h{i}", _time)).ToArray();
        try
        {
            foreach (var host in hosts)
            {
                host.Tpm.MeasureMany(2);
                Assert.True(RunHandshake(host.Attester, verifier.Verifier, Requirement(references: Allow(host.Tpm.Entries), pins: host.Pin)).IsMet("known-good"));
            }

            Assert.Equal(2, verifier.Verifier.HostCount);
            Assert.Null(verifier.Verifier.Checkpoint("h1"));
            Assert.NotNull(verifier.Verifier.Checkpoint("h3"));
            verifier.Verifier.Forget("h3");
            Assert.Null(verifier.Verifier.Checkpoint("h3"));
        }
        finally
        {
            foreach (var host in hosts)
            {
                host.Dispose();
            }
        }
    }

    [Fact]
    public void DuplicateRequirementNamesAreAProgrammingError() =>
        Assert.Throws<ArgumentException>(() => Verify("h1", [1], [1], [1], KnownGood(), KnownGood()));

    internal static EvidenceBundle With(EvidenceBundle bundle, byte[]? challenge = null, byte[]? key = null, IReadOnlyList<BundleList>? lists = null) => new()
    {
        HostId = bundle.HostId,
        EphemeralKey = key ?? bundle.EphemeralKey,
        Challenge = challenge ?? bundle.Challenge,
        Proof = bundle.Proof,
        Quote = bundle.Quote,
        SoftwareTpm = bundle.SoftwareTpm,
        Lists = lists ?? bundle.Lists,
    };

    public void Dispose() => _h1.Dispose();
}
