using Microsoft.Extensions.Time.Testing;
using Overlay.Attest.Handshake;
using Overlay.Attest.Quote;
using Overlay.Attest.Tests.Handshake.Helpers;
using static Overlay.Attest.Tests.Handshake.Helpers.Handshakes;

namespace Overlay.Attest.Tests.Handshake;

/// <summary>Batching, reuse, invalidation, failure and key lifetime of the attester, on a software TPM and fake time.</summary>
public sealed class HandshakeAttesterTests : IDisposable
{
    private readonly FakeTimeProvider _time = new();
    private readonly SoftwareTpm _tpm = new();

    public HandshakeAttesterTests() => _tpm.MeasureMany(5);

    private static byte[] Challenge(byte seed) => Enumerable.Repeat(seed, 32).ToArray();

    private static EvidenceBundle Decode(PreparedEvidence evidence)
    {
        Assert.True(EvidenceBundleCodec.TryDecode(evidence.Bundle, out var bundle, out var error), error);
        return bundle;
    }

    [Fact]
    public void OneQuoteServesEveryRequestForTheSameChallenge()
    {
        using var attester = new HandshakeAttester("h1", _tpm, _time, AttesterOptions.Default);
        var first = Get(attester, Challenge(1));
        for (var i = 0; i < 50; i++)
        {
            var again = attester.TryGet(Challenge(1), EvidenceRequest.Full);
            Assert.NotNull(again);
            Assert.Equal(first.QuoteSerial, again.QuoteSerial);
            Assert.Same(first.Bundle, again.Bundle);
            Assert.NotEmpty(again.Sign([1, 2, 3]));
        }

        Assert.Equal(1, attester.QuotesMade);
        Assert.Equal(1, _tpm.Quotes);
        Assert.Equal(51, attester.EvidenceServed);
    }

    [Fact]
    public void ChallengesArrivingDuringAQuoteGoIntoTheNextOneTogether()
    {
        using var gated = new GatedQuoteSource(_tpm);
        using var attester = new HandshakeAttester("h1", gated, _time, AttesterOptions.Default);
        var calls = new int[4];
        Assert.Null(attester.TryGet(Challenge(1), EvidenceRequest.Full, () => Interlocked.Increment(ref calls[1])));
        gated.WaitEntered();

        // While quote 1 is in flight: c1 again (waits for quote 1), c2 and c3 (wait for quote 2).
        Assert.Null(attester.TryGet(Challenge(1), EvidenceRequest.Full, () => Interlocked.Increment(ref calls[1])));
        Assert.Null(attester.TryGet(Challenge(2), EvidenceRequest.Full, () => Interlocked.Increment(ref calls[2])));
        Assert.Null(attester.TryGet(Challenge(3), EvidenceRequest.Full, () => Interlocked.Increment(ref calls[3])));
        gated.Gate.Set();

        var e2 = Get(attester, Challenge(2));
        var e3 = Get(attester, Challenge(3));
        var e1 = Get(attester, Challenge(1));
        Assert.Equal((1L, 2L, 2L), (e1.QuoteSerial, e2.QuoteSerial, e3.QuoteSerial));
        Assert.Equal(2, attester.QuotesMade);
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref calls[1]) + Volatile.Read(ref calls[2]) + Volatile.Read(ref calls[3]) >= 4, Wait),
            "not every onReady was called"); // they run after the evidence is stored, outside the attester's lock
        Assert.Equal([0, 2, 1, 1], calls);
        Assert.Equal((0u, 1u), (Decode(e1).Proof.LeafIndex, Decode(e1).Proof.TreeSize));
        Assert.Equal(2u, Decode(e3).Proof.TreeSize);
        Assert.Equal(Decode(e2).Proof.Root, Decode(e3).Proof.Root);
    }

    [Fact]
    public void RefreshesWaitForTheBatchWindowAndAnUrgentRequestDoesNot()
    {
        using var attester = new HandshakeAttester("h1", _tpm, _time, AttesterOptions.Default with { BatchWindow = TimeSpan.FromSeconds(1) });
        var refresh = new EvidenceRequest(Urgent: false);
        using var ready = new CountdownEvent(2);
        Assert.Null(attester.TryGet(Challenge(1), refresh, () => ready.Signal()));
        _time.Advance(TimeSpan.FromMilliseconds(600));
        Assert.Null(attester.TryGet(Challenge(2), refresh, () => ready.Signal()));
        Thread.Sleep(50);
        Assert.Equal(0, _tpm.Attempts);

        _time.Advance(TimeSpan.FromMilliseconds(400)); // the first refresh has waited its window
        Assert.True(ready.Wait(Wait));
        Assert.Equal(1, _tpm.Quotes);
        Assert.Equal(1, attester.TryGet(Challenge(2), refresh)!.QuoteSerial);

        // An urgent request does not wait for the window, and takes the waiting refreshes along.
        Assert.Null(attester.TryGet(Challenge(3), refresh));
        var urgent = Get(attester, Challenge(4));
        Assert.Equal(2, urgent.QuoteSerial);
        Assert.Equal(2, attester.TryGet(Challenge(3), refresh)!.QuoteSerial);
    }

    [Fact]
    public void InvalidateMakesTheNextRequestWaitForANewQuoteWithANewKey()
    {
        using var attester = new HandshakeAttester("h1", _tpm, _time, AttesterOptions.Default);
        var before = Get(attester, Challenge(1));
        _tpm.Measure("/etc/tvd-overlay/policy.toml");
        attester.Invalidate();
        Assert.Null(attester.TryGet(Challenge(1), EvidenceRequest.Full));
        var after = Get(attester, Challenge(1));
        Assert.Equal(2, after.QuoteSerial);
        Assert.NotEqual(Decode(before).EphemeralKey, Decode(after).EphemeralKey);
        Assert.True(Overlay.Attest.Ima.MeasurementList.TryParse(Decode(after).Lists[0].Binary.Span, out var list, out _));
        Assert.Equal(6, list.Entries.Count);

        // The older key still signs until its evidence expires.
        Assert.NotEmpty(before.Sign([1]));
    }

    [Fact]
    public void InvalidateDuringAQuoteDiscardsItAndQuotesAgain()
    {
        using var gated = new GatedQuoteSource(_tpm);
        using var attester = new HandshakeAttester("h1", gated, _time, AttesterOptions.Default);
        var called = 0;
        Assert.Null(attester.TryGet(Challenge(1), EvidenceRequest.Full, () => Interlocked.Increment(ref called)));
        gated.WaitEntered();
        attester.Invalidate();
        gated.Gate.Set();

        var evidence = Get(attester, Challenge(1));
        Assert.Equal(2, evidence.QuoteSerial);
        Assert.Equal(2, attester.QuotesMade);

        // The callbacks run after the quote's evidence is stored, outside the attester's lock: wait for it, then
        // check it ran once (the discarded quote did not call it).
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref called) > 0, Wait), "onReady was not called");
        Assert.Equal(1, Volatile.Read(ref called));
    }

    [Fact]
    public void ATpmThatStopsAnsweringIsCountedAndRetriedNeverThrown()
    {
        using var attester = new HandshakeAttester("h1", _tpm, _time, AttesterOptions.Default with { RetryDelay = TimeSpan.FromSeconds(2) });
        _tpm.Failure = new InvalidOperationException("swtpm is gone");
        using var ended = new ManualResetEventSlim();
        Assert.Null(attester.TryGet(Challenge(1), EvidenceRequest.Full, ended.Set));
        Assert.True(ended.Wait(Wait));
        Assert.Null(attester.TryGet(Challenge(1), EvidenceRequest.Full));
        Assert.Equal(1, attester.QuotesFailed);
        Assert.Contains("swtpm is gone", attester.LastFailure!.Value.Reason);

        // The TPM is back, but the next attempt waits for the retry delay.
        _tpm.Failure = null;
        Thread.Sleep(50);
        Assert.Equal(1, _tpm.Attempts);
        using var ready = new ManualResetEventSlim();
        Assert.Null(attester.TryGet(Challenge(1), EvidenceRequest.Full, ready.Set));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.True(ready.Wait(Wait));
        Assert.NotNull(attester.TryGet(Challenge(1), EvidenceRequest.Full));
        Assert.Equal((1L, 1L), (attester.QuotesMade, attester.QuotesFailed));
    }

    [Fact]
    public void KeysAreDisposedWhenTheirEvidenceExpires()
    {
        using var attester = new HandshakeAttester("h1", _tpm, _time, AttesterOptions.Default with { EvidenceLifetime = TimeSpan.FromSeconds(90) });
        var evidence = Get(attester, Challenge(1));
        Assert.Equal(evidence.QuotedAt + TimeSpan.FromSeconds(90), evidence.ExpiresAt);
        _time.Advance(TimeSpan.FromSeconds(90));
        Assert.Null(attester.TryGet(Challenge(1), EvidenceRequest.Full));
        Assert.Throws<ObjectDisposedException>(() => evidence.Sign([1]));
    }

    [Fact]
    public void OnlyTheNewestQuotesAreKept()
    {
        using var attester = new HandshakeAttester("h1", _tpm, _time, AttesterOptions.Default with { MaxRetainedQuotes = 2 });
        var first = Get(attester, Challenge(1));
        Get(attester, Challenge(2));
        Get(attester, Challenge(3));
        Assert.Throws<ObjectDisposedException>(() => first.Sign([1]));
        Assert.Null(attester.TryGet(Challenge(1), EvidenceRequest.Full));
    }

    [Fact]
    public void ListsAreDeltasOnlyForTheSameBootAndAKnownCount()
    {
        using var attester = new HandshakeAttester("h1", _tpm, _time, AttesterOptions.Default);
        ListCheckpoint Base(uint reset, int count) => new(reset, 0, new Dictionary<MeasurementSource, int> { [MeasurementSource.Overlay] = count });
        Get(attester, Challenge(1));
        BundleList List(EvidenceRequest request) => Assert.Single(Decode(attester.TryGet(Challenge(1), request)!).Lists);

        Assert.Equal(0, List(EvidenceRequest.Full).Base);
        var delta = List(new EvidenceRequest(Base(_tpm.ResetCount, 3)));
        Assert.Equal(3, delta.Base);
        Assert.True(Overlay.Attest.Ima.MeasurementList.TryParse(delta.Binary.Span, out var entries, out _));
        Assert.Equal(_tpm.Entries.Skip(3).Select(e => e.Path), entries.Entries.Select(e => e.Path));
        Assert.Equal(0, List(new EvidenceRequest(Base(_tpm.ResetCount + 1, 3))).Base);
        Assert.Equal(0, List(new EvidenceRequest(Base(_tpm.ResetCount, 6))).Base);
        Assert.Equal(5, List(new EvidenceRequest(Base(_tpm.ResetCount, 5))).Base);
    }

    [Fact]
    public void TryGetReadyAnswersFromAFinishedQuoteOnlyAndNeverAsksTheTpm()
    {
        using var attester = new HandshakeAttester("h1", _tpm, _time, AttesterOptions.Default);
        Assert.Null(attester.TryGetReady(Challenge(1), EvidenceRequest.Full)); // nothing quoted: no quote started either
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(0, _tpm.Quotes);

        var given = Get(attester, Challenge(1));
        ListCheckpoint known = new(_tpm.ResetCount, 0, new Dictionary<MeasurementSource, int> { [MeasurementSource.Overlay] = 3 });
        var full = attester.TryGetReady(Challenge(1), new EvidenceRequest(null, Urgent: false));
        Assert.NotNull(full);
        Assert.Equal(given.QuoteSerial, full.QuoteSerial);
        Assert.Equal(0, Assert.Single(Decode(full).Lists).Base);
        Assert.Equal(3, Assert.Single(Decode(attester.TryGetReady(Challenge(1), new EvidenceRequest(known))!).Lists).Base);

        _tpm.Measure("/usr/bin/later");
        attester.Invalidate(); // our measured state changed: that quote no longer speaks for us
        Assert.Null(attester.TryGetReady(Challenge(1), EvidenceRequest.Full));
        Assert.Equal(1, _tpm.Quotes);
    }

    [Fact]
    public void MalformedChallengesAndOverflowAreRefusedQuietly()
    {
        using var attester = new HandshakeAttester("h1", _tpm, _time, AttesterOptions.Default with { MaxPending = 2 });
        Assert.Null(attester.TryGet(new byte[31], EvidenceRequest.Full));
        var refresh = new EvidenceRequest(Urgent: false);
        Assert.Null(attester.TryGet(Challenge(1), refresh));
        Assert.Null(attester.TryGet(Challenge(2), refresh));
        Assert.Null(attester.TryGet(Challenge(3), refresh));
        Assert.Equal(1, attester.ChallengesDropped);
        Assert.Throws<ArgumentException>(() => new HandshakeAttester("", _tpm, _time, AttesterOptions.Default));
    }

    public void Dispose() => _tpm.Dispose();
}
