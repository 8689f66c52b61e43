using Microsoft.Extensions.Time.Testing;
using Overlay.Attest.Handshake;
using Overlay.Attest.Ima;
using Overlay.Attest.Quote;
using Overlay.Attest.Tests.Handshake.Helpers;
using Overlay.Attest.Verify;
using static Overlay.Attest.Tests.Handshake.Helpers.Handshakes;

namespace Overlay.Attest.Tests.Handshake;

/// <summary>Full lists, deltas from the checkpoint, sticky judgements and reboots, on a software TPM and fake time.</summary>
public sealed class HandshakeVerifierListTests : IDisposable
{
    private const string Evil = "/usr/bin/evil";

    private readonly FakeTimeProvider _time = new();
    private readonly TestHost _h1;
    private readonly TestVerifier _v;
    private readonly ReferenceValues _references = new();
    private readonly AttestationRequirement _knownGood;

    public HandshakeVerifierListTests()
    {
        _h1 = new TestHost("h1", _time);
        _v = new TestVerifier(_time);
        _knownGood = Requirement(references: _references, pins: _h1.Pin);
    }

    /// <summary>Measures clean entries (allowed by the reference values) or one unknown one, as the daemon would.</summary>
    private void Measure(int clean, bool evil = false)
    {
        for (var i = 0; i < clean; i++)
        {
            var entry = _h1.Tpm.Measure($"/usr/lib/tvd/file-{_h1.Tpm.Entries.Count:D5}");
            _references.AllowFile(entry.Path, entry.FileDigest);
        }

        if (evil)
        {
            _h1.Tpm.Measure(Evil);
        }

        _h1.Attester.Invalidate();
    }

    /// <summary>A handshake in the next challenge period, lists as deltas from the verifier's checkpoint.</summary>
    private (PeerAppraisal Appraisal, EvidenceBundle Bundle) Next(params AttestationRequirement[] requirements)
    {
        _time.Advance(TimeSpan.FromSeconds(20));
        var evidence = Get(_h1.Attester, _v.Issuer.Current.Value, new EvidenceRequest(_v.Verifier.Checkpoint("h1")));
        Assert.True(EvidenceBundleCodec.TryDecode(evidence.Bundle, out var bundle, out var error), error);
        var octets = BindingOctets();
        return (_v.Verifier.Verify("h1", evidence.Bundle, evidence.Sign(octets), octets, requirements.Length > 0 ? requirements : [_knownGood]), bundle);
    }

    private int Checkpoint => _v.Verifier.Checkpoint("h1")!.Counts[MeasurementSource.Overlay];

    [Fact]
    public void TenThousandEntriesPassInFullThenTenMoreAsADelta()
    {
        Measure(10_000);
        var (full, fullBundle) = Next();
        Assert.True(full.IsMet("known-good"), Ids(full, "known-good"));
        Assert.Equal(0, Assert.Single(fullBundle.Lists).Base);
        Assert.Equal(10_000, Checkpoint);

        Measure(10);
        var (delta, deltaBundle) = Next();
        Assert.True(delta.IsMet("known-good"), Ids(delta, "known-good"));
        var list = Assert.Single(deltaBundle.Lists);
        Assert.Equal(10_000, list.Base);
        Assert.True(MeasurementList.TryParse(list.Binary.Span, out var entries, out _));
        Assert.Equal(10, entries.Entries.Count);
        Assert.Equal(10_010, Checkpoint);
    }

    [Fact]
    public void AnUnknownEntryInADeltaFailsTheRequirementAndStaysFailedOnLaterCleanDeltas()
    {
        Measure(50);
        Assert.True(Next().Appraisal.IsMet("known-good"));

        Measure(5, evil: true);
        var (failed, bundle) = Next();
        Assert.Equal(50, bundle.Lists[0].Base);
        Assert.Equal("ref.unknown", Ids(failed, "known-good"));
        Assert.Contains(Evil, failed.Verdicts["known-good"].Errors.Single().Message);
        Assert.Equal(56, Checkpoint); // the quote and its list are valid: the checkpoint moves on

        Measure(5);
        var (later, laterBundle) = Next();
        Assert.Equal(56, laterBundle.Lists[0].Base);
        Assert.Equal("ref.unknown", Ids(later, "known-good"));
    }

    [Fact]
    public void TheSameBundleInAnotherHandshakeIsReusedUntilANewerQuoteOfTheHostIsSeen()
    {
        Measure(50);
        _time.Advance(TimeSpan.FromSeconds(20));
        var clean = Get(_h1.Attester, _v.Issuer.Current.Value, new EvidenceRequest(_v.Verifier.Checkpoint("h1")));
        byte[] first = BindingOctets(), second = BindingOctets();
        Assert.True(_v.Verifier.Verify("h1", clean.Bundle, clean.Sign(first), first, [_knownGood]).IsMet("known-good"));
        Assert.True(_v.Verifier.Verify("h1", clean.Bundle, clean.Sign(second), second, [_knownGood]).IsMet("known-good"));
        Assert.Equal("binding", Ids(_v.Verifier.Verify("h1", clean.Bundle, clean.Sign(first), second, [_knownGood]), "known-good"));

        Measure(1, evil: true); // the host measures something unknown; its next quote shows it
        Assert.Equal("ref.unknown", Ids(Next().Appraisal, "known-good"));

        // The older, clean bundle is still fresh, but the host has quoted since: verified in full again, it is an older
        // quote of the same boot than the last one accepted — not the clean verdict it had.
        byte[] third = BindingOctets();
        var again = _v.Verifier.Verify("h1", clean.Bundle, clean.Sign(third), third, [_knownGood]);
        Assert.False(again.IsMet("known-good"));
        Assert.Equal("quote.replay", Ids(again, "known-good"));
    }

    [Fact]
    public void AnUnknownEntryInTheFirstFullListKeepsTheRequirementFailedUntilTheHostReboots()
    {
        Measure(20, evil: true);
        Assert.Equal("ref.unknown", Ids(Next().Appraisal, "known-good"));
        Measure(3);
        Assert.Equal("ref.unknown", Ids(Next().Appraisal, "known-good"));

        // A full list in the same boot starts the judgement over, and still contains the binary.
        _v.Verifier.Forget("h1");
        var (full, bundle) = Next();
        Assert.Equal(0, bundle.Lists[0].Base);
        Assert.Equal("ref.unknown", Ids(full, "known-good"));

        // After a reboot into a clean state the host is accepted again.
        _h1.Tpm.Reboot();
        Measure(4);
        var (rebooted, rebootBundle) = Next();
        Assert.True(rebooted.IsMet("known-good"), Ids(rebooted, "known-good"));
        Assert.Equal(0, rebootBundle.Lists[0].Base); // the attester saw the checkpoint was of another boot
        Assert.Contains(rebooted.Findings, f => f.Id == "clock.reboot");
        Assert.Equal(4, Checkpoint);
    }

    [Fact]
    public void AFullListCannotRewriteHistoryToHideAnEntryAlreadyJudged()
    {
        Measure(5, evil: true);
        Assert.Equal("ref.unknown", Ids(Next().Appraisal, "known-good"));

        // The attester sends a "full" list with the unknown entry replaced by an allowed one.
        _time.Advance(TimeSpan.FromSeconds(20));
        var evidence = Get(_h1.Attester, _v.Issuer.Current.Value);
        Assert.True(EvidenceBundleCodec.TryDecode(evidence.Bundle, out var bundle, out _));
        Assert.True(MeasurementList.TryParse(bundle.Lists[0].Binary.Span, out var list, out _));
        var clean = ImaNgEntry.Create(13, "sha256", new byte[32], "/usr/lib/tvd/file-00000");
        _references.AllowFile(clean.Path, clean.FileDigest);
        var rewritten = new MeasurementList(list.Entries.Select(e => e.Path == Evil ? clean : e).ToArray()).ToBinary();
        var forged = EvidenceBundleCodec.Encode(HandshakeVerifierTests.With(bundle, lists: [new BundleList(MeasurementSource.Overlay, 0, rewritten)]));
        var octets = BindingOctets();
        var appraisal = _v.Verifier.Verify("h1", forged, evidence.Sign(octets), octets, [_knownGood]);
        Assert.Equal("log.replay", Ids(appraisal, "known-good"));
    }

    [Fact]
    public void ADeltaAgainstNoCheckpointAsksForTheFullList()
    {
        Measure(8);
        var pretend = new ListCheckpoint(_h1.Tpm.ResetCount, 0, new Dictionary<MeasurementSource, int> { [MeasurementSource.Overlay] = 5 });
        var evidence = Get(_h1.Attester, _v.Issuer.Current.Value, new EvidenceRequest(pretend));
        var octets = BindingOctets();
        var appraisal = _v.Verifier.Verify("h1", evidence.Bundle, evidence.Sign(octets), octets, [_knownGood]);
        Assert.Equal("log.delta", Ids(appraisal, "known-good"));
        Assert.True(appraisal.NeedsFullLists);
        Assert.True(appraisal.Findings.Single(f => f.Id == "log.delta").Recoverable);
        Assert.Null(_v.Verifier.Checkpoint("h1"));

        Assert.True(Next().Appraisal.IsMet("known-good"));
    }

    [Fact]
    public void ARequirementFirstSeenOnADeltaAsksForTheFullList()
    {
        Measure(8);
        Assert.True(Next().Appraisal.IsMet("known-good"));
        Measure(2);
        var newcomer = Requirement("newcomer", Allow(_h1.Tpm.Entries), pins: _h1.Pin);
        var (appraisal, _) = Next(_knownGood, newcomer);
        Assert.True(appraisal.IsMet("known-good"));
        Assert.Equal("log.delta", Ids(appraisal, "newcomer"));
        Assert.True(appraisal.NeedsFullLists);

        _v.Verifier.Forget("h1");
        var (full, _) = Next(_knownGood, newcomer);
        Assert.True(full.IsMet("newcomer") && full.IsMet("known-good"));
    }

    [Fact]
    public void EvidenceWithoutTheListExplainingThePcrIsNotMet()
    {
        Measure(4);
        _time.Advance(TimeSpan.FromSeconds(20));
        var evidence = Get(_h1.Attester, _v.Issuer.Current.Value);
        Assert.True(EvidenceBundleCodec.TryDecode(evidence.Bundle, out var bundle, out _));
        var stripped = EvidenceBundleCodec.Encode(HandshakeVerifierTests.With(bundle, lists: []));
        var octets = BindingOctets();
        var appraisal = _v.Verifier.Verify("h1", stripped, evidence.Sign(octets), octets, [_knownGood, Requirement("no-references", pins: _h1.Pin)]);
        Assert.Equal("log.missing", Ids(appraisal, "known-good"));
        Assert.True(appraisal.IsMet("no-references"));
    }

    [Fact]
    public void ATamperedDeltaDoesNotReplay()
    {
        Measure(6);
        Assert.True(Next().Appraisal.IsMet("known-good"));
        Measure(3);
        _time.Advance(TimeSpan.FromSeconds(20));
        var evidence = Get(_h1.Attester, _v.Issuer.Current.Value, new EvidenceRequest(_v.Verifier.Checkpoint("h1")));
        Assert.True(EvidenceBundleCodec.TryDecode(evidence.Bundle, out var bundle, out _));
        Assert.True(MeasurementList.TryParse(bundle.Lists[0].Binary.Span, out var delta, out _));
        var reordered = new MeasurementList(delta.Entries.Reverse().ToArray()).ToBinary();
        var forged = EvidenceBundleCodec.Encode(HandshakeVerifierTests.With(bundle, lists: [new BundleList(MeasurementSource.Overlay, 6, reordered)]));
        var octets = BindingOctets();
        Assert.Equal("log.replay", Ids(_v.Verifier.Verify("h1", forged, evidence.Sign(octets), octets, [_knownGood]), "known-good"));
        Assert.Equal(6, Checkpoint);
    }

    public void Dispose() => _h1.Dispose();
}
