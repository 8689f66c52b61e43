using System.Collections.Immutable;
using System.Security.Cryptography;
using Overlay.Attest.Quote;
using Overlay.Attest.Structures;
using Overlay.Attest.Verify;

namespace Overlay.Attest.Handshake;

public sealed partial class HandshakeVerifier
{
    /// <summary>The quote, the lists and the host's state, then the requirements, for a bundle bound to this handshake.</summary>
    private PeerAppraisal VerifyEvidence(string host, EvidenceBundle bundle, AttestationChallenge challenge, DateTimeOffset now,
        List<VerificationFinding> common, IReadOnlyList<AttestationRequirement> requirements)
    {
        // The quote, once per bundle, with the qualifyingData this host, this K_e and this root must give.
        var qualifyingData = QualifyingData.Compute(host, bundle.EphemeralKey, bundle.Proof.Root);
        var evidence = bundle.Quote;
        var ak = _quotes.GetKey(evidence.AkPublic, common);
        var pcrs = QuoteVerifier.ReadPcrValues(evidence.PcrValues, common);
        var lists = new List<ListToCheck>();
        foreach (var list in bundle.Lists)
        {
            if (QuoteVerifier.ParseList(list.Source, list.Binary.Span, common) is { } parsed)
            {
                lists.Add(new ListToCheck(list.Source, parsed, list.Base));
            }
        }

        var quote = QuoteVerifier.CheckQuote(evidence.Attest, evidence.Signature, ak, pcrs, qualifyingData, common);
        if (quote is null || ak is null)
        {
            return Refused(host, now, challenge, common, requirements, bundle.SoftwareTpm);
        }

        // Trust in the AK is per requirement and per host; it decides whether this evidence may touch the host's state.
        var akFindings = requirements.ToDictionary(r => r.Name, r => AkHostTrust.Check(ak, evidence.AkCertificate, host, r, now), StringComparer.Ordinal);
        var fingerprint = Convert.ToHexStringLower(ak.Fingerprint);
        var context = new EvidenceContext(bundle, challenge, quote, pcrs, lists, now);
        Dictionary<string, RequirementVerdict> verdicts;
        bool askNow;
        lock (_hosts.GateFor(host))
        {
            var kept = _hosts.Get(host);
            var record = kept is not null && kept.AkFingerprint == fingerprint ? kept : null;
            var state = Replay(context, record, common);
            var trusted = requirements.Any(r => akFindings[r.Name] is null);
            var judgements = record is not null && record.SameBoot(quote.Attest.ResetCount, quote.Attest.RestartCount) ? record.Judgements : NoJudgements;
            verdicts = Appraise(context, requirements, akFindings, state, common, ref judgements);
            var wantsFull = trusted && AsksForFullLists(common, verdicts.Values);
            if (!HasError(common) && trusted)
            {
                _hosts.Set(host, new HostRecord(fingerprint, state, SHA256.HashData(evidence.Attest), judgements) { FullListsWanted = wantsFull });
            }
            else if (wantsFull && kept is not null && common.All(f => f.Severity != FindingSeverity.Error || f.Id == LogDelta))
            {
                // Only the lists are missing (a delta from a base we do not hold, e.g. after the AK changed): nothing
                // of the record changes but the checkpoint, which now asks for full lists.
                _hosts.Set(host, kept with { FullListsWanted = true });
            }

            askNow = wantsFull && kept?.FullListsWanted != true;
        }

        if (askNow)
        {
            AskForFullLists(now);
        }

        return new PeerAppraisal
        {
            HostId = host,
            ChallengeIssuedAt = challenge.IssuedAt,
            VerifiedAt = now,
            Findings = common,
            Verdicts = verdicts,
            AkFingerprint = fingerprint,
            SoftwareTpm = bundle.SoftwareTpm,
        };
    }

    /// <summary>Each requirement's verdict; judgements of the trusted ones with reference values are brought up to date.</summary>
    private static Dictionary<string, RequirementVerdict> Appraise(EvidenceContext context, IReadOnlyList<AttestationRequirement> requirements,
        Dictionary<string, VerificationFinding?> akFindings, AttesterState state, List<VerificationFinding> common,
        ref ImmutableDictionary<string, Judgement> judgements)
    {
        var verdicts = new Dictionary<string, RequirementVerdict>(StringComparer.Ordinal);
        foreach (var requirement in requirements)
        {
            var own = new List<VerificationFinding>();
            if (akFindings[requirement.Name] is { } akFinding)
            {
                own.Add(akFinding);
            }

            CheckRequirement(context, requirement, own);
            if (!HasError(common) && akFindings[requirement.Name] is null && requirement.References is not null && context.Quote.ValuesBound)
            {
                judgements = judgements.SetItem(requirement.Name, Judge(context, requirement, judgements.GetValueOrDefault(requirement.Name), state, own));
            }

            verdicts[requirement.Name] = Verdict(common, own);
        }

        return verdicts;
    }

    /// <summary>
    /// Counters and clock against the host's last accepted quote (skipped for that very quote, which many handshakes
    /// legitimately present), then the lists: full lists replay from zero (a full list is never trusted to continue a
    /// checkpoint: its prefix could differ from what was judged), deltas continue the checkpoint of this boot.
    /// Returns the state to keep: checkpoints of lists absent from this bundle carry over within the boot.
    /// </summary>
    private static AttesterState Replay(EvidenceContext context, HostRecord? record, List<VerificationFinding> common)
    {
        var attest = context.Quote.Attest;
        var sameQuote = record is not null && CryptographicOperations.FixedTimeEquals(record.AttestDigest, SHA256.HashData(context.Bundle.Quote.Attest));
        if (!sameQuote)
        {
            QuoteVerifier.CheckCounters(attest, record?.State, common);
        }

        var previous = record is not null && record.SameBoot(attest.ResetCount, attest.RestartCount) ? record.State.Checkpoints : null;
        var checkpoints = new Dictionary<MeasurementSource, ReplayCheckpoint>();
        if (context.Quote.ValuesBound)
        {
            QuoteVerifier.ReplayLists(context.Lists, context.Pcrs!, previous, continueFullLists: false, checkpoints, common, context.Coverages.Add);
        }
        else if (context.Lists.Count > 0)
        {
            common.Add(new("log.skipped", FindingSeverity.Info, "measurement lists not checked: the PCR values are not bound to a valid quote"));
        }

        foreach (var (source, checkpoint) in previous ?? ImmutableDictionary<MeasurementSource, ReplayCheckpoint>.Empty)
        {
            checkpoints.TryAdd(source, checkpoint);
        }

        return new AttesterState(attest.ResetCount, attest.RestartCount, attest.Clock) { Checkpoints = checkpoints };
    }

    /// <summary>
    /// What one verification works on once the bundle is bound and its quote parsed (Pcrs is non-null when
    /// Quote.ValuesBound). Challenge is the verifier's challenge the bundle answers; null in an offline appraisal.
    /// </summary>
    private sealed record EvidenceContext(EvidenceBundle Bundle, AttestationChallenge? Challenge, QuoteCheck Quote, PcrValues? Pcrs,
        IReadOnlyList<ListToCheck> Lists, DateTimeOffset Now)
    {
        /// <summary>The covered ranges of the lists that replayed, filled by <see cref="Replay"/>.</summary>
        public List<ListCoverage> Coverages { get; } = [];
    }
}
