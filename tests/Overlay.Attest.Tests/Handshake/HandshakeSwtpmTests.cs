using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using Overlay.Attest.Handshake;
using Overlay.Attest.Ima;
using Overlay.Attest.Quote;
using Overlay.Attest.Structures;
using Overlay.Attest.Tests.Fixtures;
using Overlay.Attest.Tests.Handshake.Helpers;
using Overlay.Attest.Tpm;
using Overlay.Attest.Verify;
using static Overlay.Attest.Tests.Handshake.Helpers.Handshakes;

namespace Overlay.Attest.Tests.Handshake;

/// <summary>Attester and verifier end to end on a real swtpm: real TPM2_Quote, real AKs, real PCR 13 and its list.</summary>
[Collection(SwtpmCollection.Name)]
public sealed class HandshakeSwtpmTests(HandshakeTpmFixture tpm) : IClassFixture<HandshakeTpmFixture>
{
    private readonly FakeTimeProvider _time = new();

    private ReferenceValues AllowCurrent() => Allow(tpm.Log.Snapshot().Entries);

    private AttestationRequirement KnownGood(ReferenceValues references, bool allowSoftware = true, string name = "known-good") =>
        Requirement(name, references, allowSoftwareTpm: allowSoftware, pins: new Dictionary<string, string> { ["h1"] = tpm.Pin(tpm.EccKey) });

    private HandshakeAttester Attester(string host = "h1", AttestationKey? key = null, IQuoteSource? source = null, AttesterOptions? options = null) =>
        new(host, source ?? tpm.Source(key ?? tpm.EccKey), _time, options ?? AttesterOptions.Default);

    [Fact]
    public void OneQuoteServesManyHandshakesAndEachIsBound()
    {
        tpm.Measure($"/etc/tvd-overlay/policy-{Guid.NewGuid():N}.toml");
        var requirement = KnownGood(AllowCurrent());
        using var attester = Attester();
        var verifier = new TestVerifier(_time);
        for (var i = 0; i < 20; i++)
        {
            var appraisal = RunHandshake(attester, verifier.Verifier, requirement);
            Assert.True(appraisal.IsMet("known-good"), Ids(appraisal, "known-good"));
        }

        Assert.Equal(1, attester.QuotesMade);
        Assert.Equal(20, attester.EvidenceServed);
    }

    [Fact]
    public void ChallengesOfFiveVerifiersShareOneQuoteAndEachVerifies()
    {
        var requirement = KnownGood(AllowCurrent());
        using var attester = Attester();
        var verifiers = Enumerable.Range(0, 5).Select(_ => new TestVerifier(_time)).ToArray();
        var refresh = new EvidenceRequest(Urgent: false);
        using var ready = new CountdownEvent(verifiers.Length);
        foreach (var verifier in verifiers)
        {
            Assert.Null(attester.TryGet(verifier.Issuer.Current.Value, refresh, () => ready.Signal()));
        }

        _time.Advance(AttesterOptions.Default.BatchWindow);
        Assert.True(ready.Wait(Wait));
        foreach (var verifier in verifiers)
        {
            var evidence = attester.TryGet(verifier.Issuer.Current.Value, refresh)!;
            Assert.True(EvidenceBundleCodec.TryDecode(evidence.Bundle, out var bundle, out _));
            Assert.Equal(5u, bundle.Proof.TreeSize);
            var octets = BindingOctets();
            var appraisal = verifier.Verifier.Verify("h1", evidence.Bundle, evidence.Sign(octets), octets, [requirement]);
            Assert.True(appraisal.IsMet("known-good"), Ids(appraisal, "known-good"));

            // Each verifier's evidence is its own: another verifier refuses it.
            var other = verifiers[(Array.IndexOf(verifiers, verifier) + 1) % verifiers.Length];
            Assert.Equal("challenge.unknown", Ids(other.Verifier.Verify("h1", evidence.Bundle, evidence.Sign(octets), octets, [requirement]), "known-good"));
        }

        Assert.Equal(1, attester.QuotesMade);
    }

    [Fact]
    public void EvidenceMovedToAnotherHandshakeHostOrTimeIsRefused()
    {
        var references = AllowCurrent();
        using var attester = Attester();
        var verifier = new TestVerifier(_time);
        var evidence = Get(attester, verifier.Issuer.Current.Value);
        var octets = BindingOctets();
        var binding = evidence.Sign(octets);
        var pins = new Dictionary<string, string> { ["h1"] = tpm.Pin(tpm.EccKey), ["h2"] = tpm.Pin(tpm.EccKey) };
        var requirement = Requirement(references: references, pins: pins);

        Assert.True(verifier.Verifier.Verify("h1", evidence.Bundle, binding, octets, [requirement]).IsMet("known-good"));
        Assert.Equal("binding", Ids(verifier.Verifier.Verify("h1", evidence.Bundle, binding, BindingOctets(), [requirement]), "known-good"));
        Assert.Equal("binding.host", Ids(verifier.Verifier.Verify("h2", evidence.Bundle, binding, octets, [requirement]), "known-good"));
        _time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal("challenge.stale", Ids(verifier.Verifier.Verify("h1", evidence.Bundle, binding, octets, [requirement]), "known-good"));
        for (var rotation = 0; rotation < 5; rotation++)
        {
            _time.Advance(verifier.Issuer.Period);
            _ = verifier.Issuer.Current; // after the current and 4 kept ones, our challenge is forgotten
        }

        Assert.Equal("challenge.unknown", Ids(verifier.Verifier.Verify("h1", evidence.Bundle, binding, octets, [requirement]), "known-good"));
    }

    [Fact]
    public void TenThousandMeasurementsPassInFullThenAsADeltaWhereAnUnknownOneFails()
    {
        var references = new ReferenceValues();
        void MeasureClean(int count)
        {
            for (var i = 0; i < count; i++)
            {
                var entry = tpm.Measure($"/usr/lib/tvd/bulk-{Guid.NewGuid():N}");
                references.AllowFile(entry.Path, entry.FileDigest);
            }
        }

        foreach (var entry in tpm.Log.Snapshot().Entries)
        {
            references.AllowFile(entry.Path, entry.FileDigest);
        }

        MeasureClean(10_000 - tpm.Log.Snapshot().Entries.Count);
        var requirement = KnownGood(references);
        using var attester = Attester();
        var verifier = new TestVerifier(_time);
        var full = RunHandshake(attester, verifier.Verifier, requirement);
        Assert.True(full.IsMet("known-good"), Ids(full, "known-good"));
        Assert.Equal(10_000, verifier.Verifier.Checkpoint("h1")!.Counts[MeasurementSource.Overlay]);

        MeasureClean(10);
        attester.Invalidate();
        _time.Advance(TimeSpan.FromSeconds(20));
        var evidence = Get(attester, verifier.Issuer.Current.Value, new EvidenceRequest(verifier.Verifier.Checkpoint("h1")));
        Assert.True(EvidenceBundleCodec.TryDecode(evidence.Bundle, out var bundle, out _));
        Assert.Equal(10_000, bundle.Lists.Single().Base);
        Assert.True(evidence.Bundle.Length < 8 * 1024, $"the delta bundle is {evidence.Bundle.Length} bytes");
        var octets = BindingOctets();
        var delta = verifier.Verifier.Verify("h1", evidence.Bundle, evidence.Sign(octets), octets, [requirement]);
        Assert.True(delta.IsMet("known-good"), Ids(delta, "known-good"));
        Assert.Equal(10_010, verifier.Verifier.Checkpoint("h1")!.Counts[MeasurementSource.Overlay]);

        tpm.Measure("/usr/bin/evil");
        attester.Invalidate();
        _time.Advance(TimeSpan.FromSeconds(20));
        var refused = RunHandshake(attester, verifier.Verifier, requirement);
        Assert.Equal("ref.unknown", Ids(refused, "known-good"));
        Assert.Contains("/usr/bin/evil", refused.Verdicts["known-good"].Errors.Single().Message);
    }

    [Fact]
    public void ASoftwareTpmIsRefusedUnlessAllowed()
    {
        var references = AllowCurrent();
        using var attester = Attester();
        var appraisal = RunHandshake(attester, new TestVerifier(_time).Verifier, KnownGood(references, allowSoftware: false, name: "hardware"), KnownGood(references));
        Assert.Equal("tpm.software", Ids(appraisal, "hardware"));
        Assert.True(appraisal.IsMet("known-good"), Ids(appraisal, "known-good"));
    }

    [Fact]
    public void AnotherHostsAkPresentedForH1IsRefused()
    {
        var references = AllowCurrent();
        var pins = new Dictionary<string, string> { ["h1"] = tpm.Pin(tpm.EccKey), ["h2"] = tpm.Pin(tpm.RsaKey) };
        var requirement = Requirement(references: references, pins: pins);
        var verifier = new TestVerifier(_time);
        using (var impostor = Attester("h1", tpm.RsaKey))
        {
            Assert.Equal("ak.trust", Ids(RunHandshake(impostor, verifier.Verifier, requirement), "known-good"));
        }

        using var h2 = Attester("h2", tpm.RsaKey);
        Assert.True(RunHandshake(h2, verifier.Verifier, requirement).IsMet("known-good"));
        using var h1 = Attester("h1", tpm.EccKey);
        Assert.True(RunHandshake(h1, verifier.Verifier, requirement).IsMet("known-good"));
    }

    [Fact]
    public void WithTwoHundredMillisecondQuotesOneHundredRequestsMakeOneQuote()
    {
        var source = new DelayedQuoteSource(tpm.Source(tpm.EccKey), TimeSpan.FromMilliseconds(200), TimeProvider.System);
        using var attester = Attester(source: source);
        var verifier = new TestVerifier(_time);
        var challenge = verifier.Issuer.Current.Value;
        using var ready = new CountdownEvent(100);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 100; i++)
        {
            Assert.Null(attester.TryGet(challenge, EvidenceRequest.Full, () => ready.Signal()));
        }

        var scheduling = clock.Elapsed;
        Assert.True(ready.Wait(Wait));
        // The evidence waited for the slow quote; .NET's timers may fire a clock tick early, hence the slack.
        Assert.True(clock.Elapsed >= source.Delay - TimeSpan.FromMilliseconds(15), $"evidence after {clock.Elapsed.TotalMilliseconds} ms");
        Assert.True(scheduling < TimeSpan.FromMilliseconds(200), $"TryGet blocked: 100 calls took {scheduling.TotalMilliseconds} ms");
        for (var i = 0; i < 100; i++)
        {
            Assert.NotNull(attester.TryGet(challenge, EvidenceRequest.Full));
        }

        Assert.Equal(1, attester.QuotesMade);
        var appraisal = RunHandshake(attester, verifier.Verifier, KnownGood(AllowCurrent()));
        Assert.True(appraisal.IsMet("known-good"), Ids(appraisal, "known-good"));
    }

    [Fact]
    public void AQuoteFailureOfTheTpmIsReportedNotThrown()
    {
        var broken = new FailingSource();
        using var attester = Attester(source: broken);
        using var ended = new ManualResetEventSlim();
        Assert.Null(attester.TryGet(new byte[32], EvidenceRequest.Full, ended.Set));
        Assert.True(ended.Wait(Wait));
        Assert.Null(attester.TryGet(new byte[32], EvidenceRequest.Full));
        Assert.Equal(1, attester.QuotesFailed);
        Assert.Contains("TpmException", attester.LastFailure!.Value.Reason);
    }

    private sealed class FailingSource : IQuoteSource
    {
        public bool IsSoftwareTpm => true;

        public Evidence Collect(ReadOnlySpan<byte> qualifyingData) =>
            throw new Overlay.Attest.Interop.TpmException("Esys_Quote", "TCTI: connection refused");
    }
}

/// <summary>A reboot on a real swtpm: the process restarts on the same state, resetCount goes up, PCRs start over.</summary>
[Collection(SwtpmCollection.Name)]
public sealed class HandshakeSwtpmRebootTests
{
    [Fact]
    public void AfterAResetTheVerifierStartsTheHostOver()
    {
        var directory = Path.Combine("/tmp", $"tvdrb-{Environment.ProcessId}-{Guid.NewGuid():N}"[..24]);
        var time = new FakeTimeProvider();
        var verifier = new TestVerifier(time);
        var references = new ReferenceValues();
        AttestationRequirement? requirement = null;
        try
        {
            uint[] resets = new uint[2];
            for (var boot = 0; boot < 2; boot++)
            {
                using var swtpm = EmbeddedSwtpm.Start(directory);
                using var device = TpmDevice.Open(swtpm.Tcti);
                using var key = AttestationKey.Create(device, AkAlgorithm.EccP256);
                using var log = new FileMeasurementLog();
                var measurer = new Measurer(device, log);
                var entry = measurer.MeasureBlob($"/boot/{boot}", [(byte)boot]);
                references.AllowFile(entry.Path, entry.FileDigest);
                requirement ??= Requirement(references: references,
                    pins: new Dictionary<string, string> { ["h1"] = Convert.ToHexStringLower(key.AkPublic.Fingerprint) });

                using var attester = new HandshakeAttester("h1", new CollectorSource(device, key, log), time, AttesterOptions.Default);
                time.Advance(TimeSpan.FromSeconds(20));
                var evidence = Get(attester, verifier.Issuer.Current.Value, new EvidenceRequest(verifier.Verifier.Checkpoint("h1")));
                Assert.True(EvidenceBundleCodec.TryDecode(evidence.Bundle, out var bundle, out _));
                Assert.True(TpmsAttest.TryParse(bundle.Quote.Attest, out var attest, out _));
                resets[boot] = attest.ResetCount;
                Assert.Equal(0, bundle.Lists.Single().Base);
                var octets = BindingOctets();
                var appraisal = verifier.Verifier.Verify("h1", evidence.Bundle, evidence.Sign(octets), octets, [requirement]);
                Assert.True(appraisal.IsMet("known-good"), Ids(appraisal, "known-good"));
                Assert.Equal(boot == 1, appraisal.Findings.Any(f => f.Id == "clock.reboot"));
                Assert.Equal(1, verifier.Verifier.Checkpoint("h1")!.Counts[MeasurementSource.Overlay]);
            }

            Assert.True(resets[1] > resets[0], $"resetCount {resets[0]} → {resets[1]}");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private sealed class CollectorSource(TpmDevice device, AttestationKey key, IMeasurementLog log) : IQuoteSource
    {
        public bool IsSoftwareTpm => true;

        public Evidence Collect(ReadOnlySpan<byte> qualifyingData) =>
            new QuoteCollector(device, key).CollectEvidence(qualifyingData, PcrSelection.Sha256(Measurer.DefaultPcr), log);
    }
}
