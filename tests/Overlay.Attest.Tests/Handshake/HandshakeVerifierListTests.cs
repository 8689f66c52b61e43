using Microsoft.Extensions.Time.Testing;
using Overlay.Attest.Handshake;
using Overlay.Attest.Ima;
using Overlay.Attest.Quote;
using Overlay.Attest.Structures;
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

        var (full, _) = Next(_knownGood, newcomer); // the checkpoint asked for the full lists
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

    [Fact]
    public void NewReferenceValuesFromAReloadGetTheFullListOnceThenDeltasAgain()
    {
        Measure(8);
        Assert.True(Next().Appraisal.IsMet("known-good"));
        Measure(2);

        // The reload: the same requirement, a new reference-values instance (more digests).
        var reloadedReferences = Allow(_h1.Tpm.Entries);
        reloadedReferences.AllowFile("/usr/lib/tvd/not-yet-measured", new byte[32]);
        var reloaded = Requirement(references: reloadedReferences, pins: _h1.Pin);
        var (delta, deltaBundle) = Next(reloaded);
        Assert.Equal(8, deltaBundle.Lists.Single().Base);
        Assert.Equal("log.delta", Ids(delta, "known-good"));
        Assert.True(delta.NeedsFullLists);

        // The verifier's checkpoint asks for full lists now (same boot, no list named), so the attester sends them.
        var asked = _v.Verifier.Checkpoint("h1")!;
        Assert.Empty(asked.Counts);
        Assert.Equal(_h1.Tpm.ResetCount, asked.ResetCount);
        var (full, fullBundle) = Next(reloaded);
        Assert.Equal(0, fullBundle.Lists.Single().Base);
        Assert.True(full.IsMet("known-good"), full.Verdicts["known-good"].ToString());
        Assert.Null(full.Standing);
        Assert.Equal(10, Checkpoint);

        // Once judged under the new values, deltas again.
        var entry = _h1.Tpm.Measure("/usr/lib/tvd/after-reload");
        reloadedReferences.AllowFile(entry.Path, entry.FileDigest);
        _h1.Attester.Invalidate();
        var (after, afterBundle) = Next(reloaded);
        Assert.Equal(10, afterBundle.Lists.Single().Base);
        Assert.True(after.IsMet("known-good"), after.Verdicts["known-good"].ToString());
        Assert.Equal(11, Checkpoint);
    }

    [Fact]
    public void NewReferenceValuesThatRefuseAnEntryRefuseItFromTheFullList()
    {
        Measure(4);
        Assert.True(Next().Appraisal.IsMet("known-good"));
        Measure(1);

        // The reload revokes the first entry's digest: the full list shows it is still there.
        var stricter = Allow(_h1.Tpm.Entries.Skip(1));
        var reloaded = Requirement(references: stricter, pins: _h1.Pin);
        Assert.Equal("log.delta", Ids(Next(reloaded).Appraisal, "known-good"));
        var (full, _) = Next(reloaded);
        Assert.Equal("ref.unknown", Ids(full, "known-good"));
        Assert.Null(full.Standing);
    }

    [Fact]
    public void APcrSetChangedByAReloadGetsTheFullListOnce()
    {
        using var h2 = new TestHost("h2", _time, selection: PcrSelection.Sha256(13, 14));
        var references = new ReferenceValues();
        var before = Requirement(references: references, pins: h2.Pin);
        var after = Requirement(references: references, pins: h2.Pin, pcrs: PcrSelection.Sha256(13, 14)); // same values, more PCRs
        for (var round = 0; round < 4; round++)
        {
            var entry = h2.Tpm.Measure($"/usr/lib/tvd/h2-{round}");
            references.AllowFile(entry.Path, entry.FileDigest);
            h2.Attester.Invalidate();
            var appraisal = NextOf(h2, round < 2 ? before : after);
            switch (round)
            {
                case 0 or 1:
                    Assert.True(appraisal.IsMet("known-good"), appraisal.Verdicts["known-good"].ToString());
                    break;
                case 2:
                    Assert.Equal("log.delta", Ids(appraisal, "known-good"));
                    Assert.Empty(_v.Verifier.Checkpoint("h2")!.Counts);
                    break;
                default:
                    Assert.True(appraisal.IsMet("known-good"), appraisal.Verdicts["known-good"].ToString());
                    Assert.Equal(4, _v.Verifier.Checkpoint("h2")!.Counts[MeasurementSource.Overlay]);
                    break;
            }
        }
    }

    [Fact]
    public void AnAttesterWithANewAkInTheSameBootIsAskedForItsFullLists()
    {
        Measure(5);
        Assert.True(Next().Appraisal.IsMet("known-good"));
        Measure(1);

        // The attester's daemon restarted with another AK (the TPM did not reset: same boot, same list); the
        // reload pins the new AK. Its answer to the old checkpoint is a delta the verifier cannot continue.
        _h1.Tpm.ReplaceAk();
        var repinned = Requirement(references: _references, pins: _h1.Pin);
        var (delta, bundle) = Next(repinned);
        Assert.Equal(5, bundle.Lists.Single().Base);
        Assert.True(delta.NeedsFullLists);
        Assert.Empty(_v.Verifier.Checkpoint("h1")!.Counts);

        var (full, fullBundle) = Next(repinned);
        Assert.Equal(0, fullBundle.Lists.Single().Base);
        Assert.True(full.IsMet("known-good"), full.Verdicts["known-good"].ToString());
        Assert.Equal(6, Checkpoint);
    }

    [Fact]
    public void ARestartedAttesterInTheSameBootGoesOnWithDeltas()
    {
        Measure(5);
        Assert.True(Next().Appraisal.IsMet("known-good"));
        Measure(2);
        using var restarted = new HandshakeAttester("h1", _h1.Tpm, _time, AttesterOptions.Default);
        _time.Advance(TimeSpan.FromSeconds(20));
        var evidence = Get(restarted, _v.Issuer.Current.Value, new EvidenceRequest(_v.Verifier.Checkpoint("h1")));
        Assert.True(EvidenceBundleCodec.TryDecode(evidence.Bundle, out var bundle, out _));
        Assert.Equal(5, bundle.Lists.Single().Base);
        var octets = BindingOctets();
        var appraisal = _v.Verifier.Verify("h1", evidence.Bundle, evidence.Sign(octets), octets, [_knownGood]);
        Assert.True(appraisal.IsMet("known-good"), appraisal.Verdicts["known-good"].ToString());
        Assert.Equal(7, Checkpoint);
    }

    [Fact]
    public void WhileTheFullListsComeTheLastAppraisalStandsAndTheChallengeIsRenewed()
    {
        Measure(3);
        var (met, _) = Next();
        Assert.True(met.IsMet("known-good"));
        Measure(1);
        var reloaded = Requirement(references: Allow(_h1.Tpm.Entries), pins: _h1.Pin);

        _time.Advance(TimeSpan.FromSeconds(20));
        var answered = _v.Issuer.Current.Value;
        var evidence = Get(_h1.Attester, answered, new EvidenceRequest(_v.Verifier.Checkpoint("h1")));
        _time.Advance(TimeSpan.FromSeconds(2)); // the delta arrives a moment after the challenge went out
        var octets = BindingOctets();
        var delta = _v.Verifier.Verify("h1", evidence.Bundle, evidence.Sign(octets), octets, [reloaded]);
        Assert.Equal("log.delta", Ids(delta, "known-good"));
        Assert.Same(met, delta.Standing);
        Assert.True(delta.Effective.IsMet("known-good"));
        Assert.False(_v.Issuer.Current.Value.AsSpan().SequenceEqual(answered)); // the checkpoint asking for full lists goes out now

        // The same delta again (another handshake): still standing, no second renewal.
        var renewed = _v.Issuer.Current.Value;
        var again = _v.Verifier.Verify("h1", evidence.Bundle, evidence.Sign(octets), octets, [reloaded]);
        Assert.Same(met, again.Standing);
        Assert.Equal(renewed, _v.Issuer.Current.Value);
    }

    [Fact]
    public void ARefusalInBetweenLeavesNothingStanding()
    {
        Measure(3);
        Assert.True(Next().Appraisal.IsMet("known-good"));
        Measure(0, evil: true);
        Assert.Equal("ref.unknown", Ids(Next().Appraisal, "known-good"));
        Measure(1);
        var reloaded = Requirement(references: Allow(_h1.Tpm.Entries), pins: _h1.Pin);
        var (delta, _) = Next(reloaded);
        Assert.Equal("log.delta", Ids(delta, "known-good"));
        Assert.Null(delta.Standing);
        Assert.False(delta.Effective.IsMet("known-good"));
    }

    private PeerAppraisal NextOf(TestHost host, AttestationRequirement requirement)
    {
        _time.Advance(TimeSpan.FromSeconds(20));
        var evidence = Get(host.Attester, _v.Issuer.Current.Value, new EvidenceRequest(_v.Verifier.Checkpoint(host.Id)));
        var octets = BindingOctets();
        return _v.Verifier.Verify(host.Id, evidence.Bundle, evidence.Sign(octets), octets, [requirement]);
    }

    public void Dispose() => _h1.Dispose();
}
