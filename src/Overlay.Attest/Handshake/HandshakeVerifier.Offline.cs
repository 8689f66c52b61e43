using Overlay.Attest.Structures;
using Overlay.Attest.Verify;

namespace Overlay.Attest.Handshake;

public sealed partial class HandshakeVerifier
{
    /// <summary>
    /// Judges a bundle against <paramref name="requirement"/> as evidence of <paramref name="host"/>, without a
    /// handshake and without any verifier's state (<c>tvdctl policy explain --evidence</c>). The checks of the
    /// handshake table that the bundle alone can show, in the same order and with the same finding ids: it decodes
    /// (<c>evidence.bundle</c>), names the host (<c>binding.host</c>), its challenge is a leaf under the root it names
    /// (<c>merkle.proof</c>); the quote over the qualifyingData of that host, K_e and root, signed by its AK
    /// (<c>quote.*</c>, <c>pcr.*</c>, <c>ak.attributes</c>, <c>evidence.*</c>); clock sanity (<c>clock.unsafe</c>);
    /// full lists replayed from zero (<c>log.*</c>); then the requirement: AK trusted for the host at
    /// <paramref name="now"/> (<c>ak.trust</c>, <c>ak.certificate</c>), PCRs covered (<c>pcr.required</c>), software
    /// TPM (<c>tpm.software</c>), age (<c>challenge.stale</c>), and every covered entry of its PCRs against its
    /// reference values (<c>ref.*</c>, <c>log.missing</c>).
    /// <para>
    /// Not judged (<see cref="OfflineAppraisal.NotChecked"/>): the binding signature and the challenge, which exist
    /// only in a handshake. Age is counted from <paramref name="existedAt"/>, a time by which the bundle existed (e.g.
    /// when it was captured): its quote, and the challenge before it, are at least that old, so
    /// <c>challenge.stale</c> here is what a handshake at <paramref name="now"/> would find too, while "fresh" here
    /// is only "not provably stale". A delta list cannot be replayed without the checkpoint of the verifier it was
    /// made for: <c>log.delta</c>, and <see cref="OfflineAppraisal.Unappraisable"/> says so.
    /// </para>
    /// Never throws for anything in the bundle; throws when <paramref name="existedAt"/> is after <paramref name="now"/>.
    /// </summary>
    public static OfflineAppraisal AppraiseOffline(ReadOnlySpan<byte> bundle, AttestationRequirement requirement, string host,
        DateTimeOffset existedAt, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(existedAt, now);
        var (common, own) = (new List<VerificationFinding>(), new List<VerificationFinding>());
        OfflineParts parts;
        var softwareTpm = false;
        if (!EvidenceBundleCodec.TryDecode(bundle, out var decoded, out var error))
        {
            common.Add(new("evidence.bundle", FindingSeverity.Error, error));
            parts = new(null, null, [], $"it does not decode as an evidence bundle: {error}");
        }
        else
        {
            softwareTpm = decoded.SoftwareTpm;
            CheckConsistency(host, decoded, common);
            parts = HasError(common)
                ? new(null, null, Listed(decoded, [], []), null) // like a handshake: refused without further checks
                : AppraiseQuote(decoded, requirement, host, existedAt, now, common, own);
        }

        return new OfflineAppraisal
        {
            Requirement = requirement,
            HostId = host,
            ExistedAt = existedAt,
            At = now,
            Findings = common,
            Verdict = Verdict(common, own),
            Unappraisable = parts.Unappraisable,
            Quote = parts.Attest,
            AkFingerprint = parts.AkFingerprint,
            SoftwareTpm = softwareTpm,
            Lists = parts.Lists,
        };
    }

    /// <summary>Checks 2 and 4 of the handshake table, the ones a bundle can fail on its own: host and Merkle proof.</summary>
    private static void CheckConsistency(string host, EvidenceBundle bundle, List<VerificationFinding> findings)
    {
        if (!string.Equals(bundle.HostId, host, StringComparison.Ordinal))
        {
            findings.Add(new("binding.host", FindingSeverity.Error, $"the evidence is for host '{bundle.HostId}', not for host '{host}'"));
        }

        var proof = bundle.Proof;
        if (!MerkleTree.VerifyInclusion(bundle.Challenge, proof.LeafIndex, proof.TreeSize, proof.Path, proof.Root))
        {
            findings.Add(new("merkle.proof", FindingSeverity.Error,
                $"the challenge is not leaf {proof.LeafIndex} of {proof.TreeSize} under the root the evidence names"));
        }
    }

    /// <summary>The quote, the lists and the requirement, for a bundle that names the host and whose proof holds.</summary>
    private static OfflineParts AppraiseQuote(EvidenceBundle bundle, AttestationRequirement requirement, string host, DateTimeOffset existedAt,
        DateTimeOffset now, List<VerificationFinding> common, List<VerificationFinding> own)
    {
        var evidence = bundle.Quote;
        using var ak = QuoteVerifier.ImportKey(evidence.AkPublic, common);
        var pcrs = QuoteVerifier.ReadPcrValues(evidence.PcrValues, common);
        var lists = new List<ListToCheck>();
        foreach (var list in bundle.Lists.Where(l => l.Base == 0))
        {
            if (QuoteVerifier.ParseList(list.Source, list.Binary.Span, common) is { } parsed)
            {
                lists.Add(new ListToCheck(list.Source, parsed));
            }
        }

        var qualifyingData = QualifyingData.Compute(bundle.HostId, bundle.EphemeralKey, bundle.Proof.Root);
        var quote = QuoteVerifier.CheckQuote(evidence.Attest, evidence.Signature, ak, pcrs, qualifyingData, common);
        var deltas = bundle.Lists.Where(l => l.Base > 0).ToArray();
        foreach (var delta in deltas)
        {
            common.Add(new("log.delta", FindingSeverity.Error,
                $"{delta.Source} list: a delta after entry {delta.Base}, which continues a checkpoint only the verifier it was given to holds, " +
                "cannot be replayed offline; the full list is needed", Recoverable: true));
        }

        var unappraisable = deltas.Length == 0 ? null :
            string.Join(", ", deltas.Select(d => $"the {d.Source} list is a delta after entry {d.Base}")) +
            ": it continues a checkpoint only the verifier it was given to holds, so it cannot be replayed offline (full lists are " +
            "what a peer holding no checkpoint of the host is given: its first handshake with that host)";
        if (quote is null || ak is null)
        {
            return new(quote?.Attest, Fingerprint(ak), Listed(bundle, lists, []), unappraisable);
        }

        var context = new EvidenceContext(bundle, Challenge: null, quote, pcrs, lists, now);
        var state = Replay(context, record: null, common);
        var akFinding = AkHostTrust.Check(ak, evidence.AkCertificate, host, requirement, now);
        if (akFinding is not null)
        {
            own.Add(akFinding);
        }

        CheckRequirement(context, requirement, own);
        CheckAge(requirement, existedAt, now, own);
        if (!HasError(common) && akFinding is null && requirement.References is not null && quote.ValuesBound && deltas.Length == 0)
        {
            Judge(context, requirement, before: null, state, own);
        }

        return new(quote.Attest, Fingerprint(ak), Listed(bundle, lists, context.Coverages), unappraisable);
    }

    /// <summary>
    /// Age offline: the bundle existed at <paramref name="existedAt"/>, so its quote and the challenge it answers are
    /// at least <c>now − existedAt</c> old; beyond max_age a handshake at <paramref name="now"/> finds it stale too.
    /// </summary>
    private static void CheckAge(AttestationRequirement requirement, DateTimeOffset existedAt, DateTimeOffset now, List<VerificationFinding> own)
    {
        var age = now - existedAt;
        if (age > requirement.MaxAge)
        {
            own.Add(new("challenge.stale", FindingSeverity.Error,
                $"the evidence existed {age.TotalMilliseconds:0} ms before the time judged at (its quote and challenge are older still), " +
                $"more than the {requirement.MaxAge.TotalMilliseconds:0} ms requirement '{requirement.Name}' allows", Recoverable: true));
        }
    }

    private static IReadOnlyList<OfflineList> Listed(EvidenceBundle bundle, List<ListToCheck> parsed, List<ListCoverage> coverages) =>
        bundle.Lists.Select(l => new OfflineList(l.Source, l.Base,
            l.Base == 0 ? parsed.Find(p => p.Source == l.Source)?.List.Entries.Count : null,
            coverages.Where(c => c.Source == l.Source).Select(c => (int?)c.Covered).FirstOrDefault())).ToArray();

    private static string? Fingerprint(AkPublicKey? ak) => ak is null ? null : Convert.ToHexStringLower(ak.Fingerprint);

    /// <summary>What the appraisal of the quote found beyond its findings.</summary>
    private readonly record struct OfflineParts(TpmsAttest? Attest, string? AkFingerprint, IReadOnlyList<OfflineList> Lists, string? Unappraisable);
}
