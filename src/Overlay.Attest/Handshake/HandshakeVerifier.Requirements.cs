using System.Collections.Immutable;
using Overlay.Attest.Quote;
using Overlay.Attest.Structures;
using Overlay.Attest.Verify;

namespace Overlay.Attest.Handshake;

public sealed partial class HandshakeVerifier
{
    /// <summary>
    /// The requirement's checks that need no state: PCR coverage, software TPM, and the age of the challenge when the
    /// evidence answers one of ours (an offline appraisal has none and judges age on its own terms).
    /// </summary>
    private static void CheckRequirement(EvidenceContext context, AttestationRequirement requirement, List<VerificationFinding> own)
    {
        var quoted = context.Quote.Attest.QuotedSelection;
        var missing = requirement.Pcrs.Banks
            .SelectMany(b => b.Pcrs.Where(p => quoted?.Banks.Any(q => q.HashAlg == b.HashAlg && q.Pcrs.Contains(p)) != true)
                .Select(p => $"{TpmConstants.HashLabel(b.HashAlg)}:{p}"))
            .ToArray();
        if (missing.Length > 0)
        {
            own.Add(new("pcr.required", FindingSeverity.Error,
                $"requirement '{requirement.Name}' needs {string.Join(", ", missing)}, which the quote ({quoted}) does not cover"));
        }

        if (context.Bundle.SoftwareTpm && !requirement.AllowSoftwareTpm)
        {
            own.Add(new("tpm.software", FindingSeverity.Error,
                $"the attester declares a software TPM, which requirement '{requirement.Name}' does not accept"));
        }

        if (context.Challenge is not { } challenge)
        {
            return;
        }

        var age = context.Now - challenge.IssuedAt;
        if (age > requirement.MaxAge)
        {
            own.Add(new("challenge.stale", FindingSeverity.Error,
                $"the challenge was issued {age.TotalMilliseconds:0} ms ago, more than the {requirement.MaxAge.TotalMilliseconds:0} ms requirement '{requirement.Name}' allows",
                Recoverable: true));
        }
    }

    /// <summary>
    /// Judges the newly covered entries of the requirement's PCRs against its reference values, on top of what was
    /// judged before in this boot under the same reference values (failures stay until a full list of that source
    /// starts it over). Entries covered by a checkpoint but never judged under this requirement (it is new, its
    /// reference values changed, or a delta skipped past them) cannot be judged from a delta: <c>log.delta</c>.
    /// A PCR of the requirement that is not zero must be explained by a list: <c>log.missing</c>.
    /// </summary>
    private static Judgement Judge(EvidenceContext context, AttestationRequirement requirement, Judgement? before, AttesterState state,
        List<VerificationFinding> own)
    {
        var attest = context.Quote.Attest;
        var pcrs = requirement.ListPcrs();
        var pcrKey = string.Join(',', pcrs);
        var pcrSet = pcrs.ToHashSet();
        var references = requirement.References!;
        var sources = before is not null && before.ResetCount == attest.ResetCount && before.RestartCount == attest.RestartCount &&
            ReferenceEquals(before.References, references) && before.PcrKey == pcrKey
                ? before.Sources
                : ImmutableDictionary<MeasurementSource, SourceJudgement>.Empty;

        foreach (var coverage in context.Coverages)
        {
            var judged = coverage.Base == 0 ? SourceJudgement.Empty : sources.GetValueOrDefault(coverage.Source, SourceJudgement.Empty);
            if (judged.JudgedUpTo < coverage.Base)
            {
                continue; // A gap: reported below as entries never judged.
            }

            var found = new List<VerificationFinding>();
            var failures = QuoteVerifier.CheckReferences(coverage, judged.JudgedUpTo, references, pcrSet, found);
            var kept = judged.Failures.AddRange(found.Take(SourceJudgement.MaxKeptFailures - judged.Failures.Length));
            sources = sources.SetItem(coverage.Source,
                new SourceJudgement(Math.Max(judged.JudgedUpTo, coverage.Covered), kept, judged.FailureCount + failures));
        }

        foreach (var (source, checkpoint) in state.Checkpoints.OrderBy(c => c.Key))
        {
            var judgedUpTo = sources.GetValueOrDefault(source, SourceJudgement.Empty).JudgedUpTo;
            if (checkpoint.Pcrs.Keys.Any(p => pcrSet.Contains((int)p)) && judgedUpTo < checkpoint.Offset)
            {
                own.Add(new("log.delta", FindingSeverity.Error,
                    $"{source} list: entries {judgedUpTo}..{checkpoint.Offset} were never judged against requirement '{requirement.Name}'; the full list is needed",
                    Recoverable: true));
            }
        }

        CheckExplained(context, state, requirement, pcrs, own);
        foreach (var (source, judged) in sources.OrderBy(s => s.Key))
        {
            own.AddRange(judged.Failures);
            if (judged.FailureCount > judged.Failures.Length)
            {
                own.Add(new("ref.more", FindingSeverity.Info,
                    $"{source} list: {judged.FailureCount - judged.Failures.Length} more entries fail requirement '{requirement.Name}' (not listed)"));
            }
        }

        return new Judgement(attest.ResetCount, attest.RestartCount, references, pcrKey, sources);
    }

    /// <summary>Every non-zero SHA-256 PCR of the requirement equals a replayed list's value at its checkpoint.</summary>
    private static void CheckExplained(EvidenceContext context, AttesterState state, AttestationRequirement requirement, int[] pcrs,
        List<VerificationFinding> own)
    {
        foreach (var pcr in pcrs)
        {
            var value = context.Pcrs!.Get(TpmConstants.AlgSha256, pcr);
            if (value is null || !value.AsSpan().ContainsAnyExcept((byte)0))
            {
                continue; // Not quoted (pcr.required says so), or never extended.
            }

            if (!state.Checkpoints.Values.Any(c => c.Pcrs.TryGetValue((uint)pcr, out var running) && running.AsSpan().SequenceEqual(value)))
            {
                own.Add(new("log.missing", FindingSeverity.Error,
                    $"PCR sha256:{pcr} holds measurements no measurement list in the evidence explains (requirement '{requirement.Name}' judges them)"));
            }
        }
    }
}
