using System.Security.Cryptography;
using Overlay.Attest.Ima;
using Overlay.Attest.Quote;
using Overlay.Attest.Structures;
using Overlay.Attest.Tests.Fixtures;
using Overlay.Attest.Verify;

namespace Overlay.Attest.Tests.Verify;

/// <summary>Quotes from a real swtpm, verified untouched and after each kind of tampering.</summary>
[Collection(SwtpmCollection.Name)]
public sealed class QuoteVerifierTpmTests(SwtpmFixture tpm)
{
    private readonly QuoteVerifier _verifier = new();

    private VerifierPolicy Policy(bool references = false)
    {
        var policy = new VerifierPolicy().PinAk(tpm.EccKey.AkPublic).PinAk(tpm.RsaKey.AkPublic);
        if (references)
        {
            var values = new ReferenceValues();
            foreach (var entry in tpm.Log.Snapshot().Entries)
            {
                values.AllowFile(entry.Path, entry.FileDigest);
            }

            policy.References = values;
        }

        return policy;
    }

    private (Evidence Evidence, byte[] Nonce) Fresh(Overlay.Attest.Tpm.AttestationKey? key = null)
    {
        tpm.Measurer.MeasureBlob($"/etc/tvd-overlay/test-{Guid.NewGuid():N}.toml", RandomNumberGenerator.GetBytes(64));
        var nonce = RandomNumberGenerator.GetBytes(20);
        return (tpm.Collect(nonce, key), nonce);
    }

    private static string Ids(VerificationResult result) => string.Join(",", result.Errors.Select(e => e.Id));

    [Fact]
    public void ValidEccQuoteIsTrustedWithItsMeasurements()
    {
        var (evidence, nonce) = Fresh();
        var result = _verifier.Verify(evidence, nonce, Policy(references: true));
        Assert.True(result.IsTrusted, result.ToString());
        Assert.Equal(tpm.Log.Snapshot().Entries.Count, result.VerifiedEntries);
        Assert.NotNull(result.NewState);
    }

    [Fact]
    public void ValidRsaQuoteIsTrusted()
    {
        var (evidence, nonce) = Fresh(tpm.RsaKey);
        var result = _verifier.Verify(evidence, nonce, Policy(references: true));
        Assert.True(result.IsTrusted, result.ToString());
    }

    [Fact]
    public void EvidenceSurvivesItsEncoding()
    {
        var (evidence, nonce) = Fresh();
        Assert.True(EvidenceCodec.TryDecode(EvidenceCodec.Encode(evidence), out var decoded, out var error), error);
        Assert.True(_verifier.Verify(decoded, nonce, Policy(true)).IsTrusted);
    }

    [Fact]
    public void TamperedMessageBreaksTheSignature()
    {
        var (evidence, nonce) = Fresh();
        var attest = (byte[])evidence.Attest.Clone();
        attest[^1] ^= 0x01; // last byte of the quoted PCR digest
        var result = _verifier.Verify(With(evidence, attest: attest), nonce, Policy());
        Assert.False(result.IsTrusted);
        Assert.True(result.Has("quote.signature"), Ids(result));
    }

    [Fact]
    public void TamperedSignatureIsRejected()
    {
        var (evidence, nonce) = Fresh();
        var signature = (byte[])evidence.Signature.Clone();
        signature[10] ^= 0x40;
        var result = _verifier.Verify(With(evidence, signature: signature), nonce, Policy());
        Assert.Equal(["quote.signature"], result.Errors.Select(e => e.Id).Distinct());
    }

    [Fact]
    public void TamperedPcrValueDoesNotMatchTheQuotedDigest()
    {
        var (evidence, nonce) = Fresh();
        var pcrs = (byte[])evidence.PcrValues.Clone();
        pcrs[^1] ^= 0x01; // last byte of the last PCR value
        var result = _verifier.Verify(With(evidence, pcrs: pcrs), nonce, Policy());
        Assert.False(result.IsTrusted);
        Assert.True(result.Has("pcr.digest"), Ids(result));
        Assert.False(result.Has("quote.signature"));
    }

    [Fact]
    public void ReportedSelectionDifferentFromTheQuotedOneIsCaught()
    {
        var (evidence, nonce) = Fresh();
        var reader = new TpmReader(evidence.PcrValues);
        Assert.True(PcrValues.TryRead(ref reader, out var values));

        // Report only PCR 13 although the quote covers 0 and 13 (CVE-2024-29039 shape).
        var fewer = new PcrValues(PcrSelection.Sha256(13), [values.Digests[1]]);
        var writer = new TpmWriter();
        fewer.Write(writer);
        var result = _verifier.Verify(With(evidence, pcrs: writer.ToArray()), nonce, Policy());
        Assert.True(result.Has("pcr.selection"), Ids(result));
    }

    [Fact]
    public void WrongNonceIsRecoverableAndUntrusted()
    {
        var (evidence, _) = Fresh();
        var result = _verifier.Verify(evidence, RandomNumberGenerator.GetBytes(20), Policy());
        var finding = Assert.Single(result.Errors);
        Assert.Equal("quote.nonce", finding.Id);
        Assert.True(finding.Recoverable);
    }

    [Fact]
    public void QuoteVerifiedUnderAnotherKeyFails()
    {
        var (evidence, nonce) = Fresh();
        var result = _verifier.Verify(With(evidence, ak: tpm.RsaKey.ExportTpm2BPublic()), nonce, Policy());
        Assert.True(result.Has("quote.signature"), Ids(result));
    }

    [Fact]
    public void UnpinnedKeyIsNotTrusted()
    {
        var (evidence, nonce) = Fresh();
        var result = _verifier.Verify(evidence, nonce, new VerifierPolicy().PinAk(tpm.RsaKey.AkPublic));
        Assert.Equal(["ak.trust"], result.Errors.Select(e => e.Id));
    }

    [Fact]
    public void ReplayedQuoteIsCaughtByTheClock()
    {
        var (evidence, nonce) = Fresh();
        var first = _verifier.Verify(evidence, nonce, Policy());
        Assert.True(first.IsTrusted, first.ToString());
        var again = _verifier.Verify(evidence, nonce, Policy(), first.NewState);
        Assert.Equal(["quote.replay"], again.Errors.Select(e => e.Id));

        var (next, nextNonce) = Fresh();
        Assert.True(_verifier.Verify(next, nextNonce, Policy(), first.NewState).IsTrusted);
    }

    [Fact]
    public void NextVerificationReplaysOnlyNewEntries()
    {
        var (evidence, nonce) = Fresh();
        var first = _verifier.Verify(evidence, nonce, Policy(true));
        Assert.True(first.IsTrusted, first.ToString());

        tpm.Measurer.MeasureBlob("/etc/tvd-overlay/second.toml", [1]);
        var (next, nextNonce) = Fresh(); // measures one more: two new entries
        var second = _verifier.Verify(next, nextNonce, Policy(true), first.NewState);
        Assert.True(second.IsTrusted, second.ToString());
        Assert.Equal(2, second.VerifiedEntries);

        // A list rewritten before the checkpoint but replaying from zero is judged in full again.
        var full = _verifier.Verify(next, nextNonce, Policy(true));
        Assert.Equal(tpm.Log.Snapshot().Entries.Count, full.VerifiedEntries);
    }

    [Fact]
    public void CounterRollbackIsCaught()
    {
        var (evidence, nonce) = Fresh();
        var state = _verifier.Verify(evidence, nonce, Policy()).NewState!;
        var result = _verifier.Verify(evidence, nonce, Policy(), state with { ResetCount = state.ResetCount + 1 });
        Assert.True(result.Has("clock.rollback"), Ids(result));
    }

    [Fact]
    public void TruncatedPartsAreReportedNotThrown()
    {
        var (evidence, nonce) = Fresh();
        Assert.True(_verifier.Verify(With(evidence, attest: evidence.Attest[..40]), nonce, Policy()).Has("quote.parse"));
        Assert.True(_verifier.Verify(With(evidence, signature: evidence.Signature[..20]), nonce, Policy()).Has("quote.signature"));
        Assert.True(_verifier.Verify(With(evidence, ak: evidence.AkPublic[..30]), nonce, Policy()).Has("evidence.ak"));
        Assert.True(_verifier.Verify(With(evidence, pcrs: evidence.PcrValues[..12]), nonce, Policy()).Has("evidence.pcrs"));

        var encoded = EvidenceCodec.Encode(evidence);
        for (var length = 0; length < encoded.Length; length += 7)
        {
            Assert.False(EvidenceCodec.TryDecode(encoded.AsSpan(0, length), out _, out var error));
            Assert.NotEmpty(error);
        }
    }

    [Fact]
    public void ListThatDoesNotReplayIsUntrusted()
    {
        var (evidence, nonce) = Fresh();
        Assert.True(MeasurementList.TryParse(evidence.Logs[0].Binary, out var list, out _));

        // Hide the last measurement: the PCR holds more than the list admits to.
        var shortened = new MeasurementList(list.Entries.Take(list.Entries.Count - 1).ToArray());
        var result = _verifier.Verify(With(evidence, log: shortened.ToBinary()), nonce, Policy(true));
        Assert.Equal(["log.replay"], result.Errors.Select(e => e.Id));

        // Swap in a different digest for the last entry.
        var forged = list.Entries.Take(list.Entries.Count - 1)
            .Append(ImaNgEntry.Create(13, "sha256", new byte[32], list.Entries[^1].Path)).ToArray();
        result = _verifier.Verify(With(evidence, log: new MeasurementList(forged).ToBinary()), nonce, Policy(true));
        Assert.True(result.Has("log.replay"), Ids(result));
    }

    [Fact]
    public void UnknownMeasuredFileIsUntrusted()
    {
        var policy = Policy(references: true);
        var (evidence, nonce) = Fresh(); // measures a new file the reference values do not know
        var result = _verifier.Verify(evidence, nonce, policy);
        var finding = Assert.Single(result.Errors);
        Assert.Equal("ref.unknown", finding.Id);
        Assert.Contains("/etc/tvd-overlay/test-", finding.Message);
    }

    [Fact]
    public void ListRunningPastTheQuoteIsCoveredUpToTheQuote()
    {
        var (evidence, nonce) = Fresh();
        var quotedCount = tpm.Log.Snapshot().Entries.Count;
        tpm.Measurer.MeasureBlob("/late/measurement", [1, 2, 3]);
        var longer = tpm.Log.Snapshot().ToBinary();
        var result = _verifier.Verify(With(evidence, log: longer), nonce, Policy());
        Assert.True(result.IsTrusted, result.ToString());
        Assert.Equal(quotedCount, result.VerifiedEntries);
        Assert.True(result.Has("log.uncovered"));
    }

    [Fact]
    public void MeasurerReplaysToTheTpmPcr()
    {
        var path = Path.Combine(tpm.Directory, "measured.bin");
        File.WriteAllBytes(path, RandomNumberGenerator.GetBytes(1000));
        var entry = tpm.Measurer.MeasureFile(path);
        Assert.Equal(SHA256.HashData(File.ReadAllBytes(path)), entry.FileDigest);
        Assert.Equal(Path.GetFullPath(path), entry.Path);

        var pcr = tpm.Device.ReadPcrs(PcrSelection.Sha256(Measurer.DefaultPcr));
        var outcome = ReplayEngine.Replay(tpm.Log.Snapshot(), pcr);
        Assert.True(outcome.Replays, outcome.Problem);
        Assert.Equal(tpm.Log.Snapshot().Entries.Count, outcome.CoveredEntries);
    }

    private static Evidence With(Evidence e, byte[]? attest = null, byte[]? signature = null, byte[]? ak = null, byte[]? pcrs = null, byte[]? log = null) =>
        new()
        {
            Attest = attest ?? e.Attest,
            Signature = signature ?? e.Signature,
            AkPublic = ak ?? e.AkPublic,
            PcrValues = pcrs ?? e.PcrValues,
            Logs = log is null ? e.Logs : [new EvidenceLog(MeasurementSource.Overlay, log)],
            AkCertificate = e.AkCertificate,
        };
}
