using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Overlay.Attest.Ima;
using Overlay.Attest.Quote;
using Overlay.Attest.Structures;

namespace Overlay.Attest.Verify;

public sealed partial class QuoteVerifier
{
    private static bool CheckStructure(TpmsAttest attest, List<VerificationFinding> findings)
    {
        if (attest.Magic != TpmConstants.GeneratedValue)
        {
            findings.Add(new("quote.magic", FindingSeverity.Error,
                $"magic 0x{attest.Magic:x8} is not TPM_GENERATED_VALUE 0x{TpmConstants.GeneratedValue:x8}: the TPM did not produce this structure"));
        }

        if (attest.Type != TpmConstants.StAttestQuote)
        {
            findings.Add(new("quote.type", FindingSeverity.Error,
                $"attestation type 0x{attest.Type:x4} is not TPM_ST_ATTEST_QUOTE 0x{TpmConstants.StAttestQuote:x4}"));
            return false;
        }

        return true;
    }

    private static bool CheckSelection(TpmsAttest attest, PcrValues? pcrs, List<VerificationFinding> findings)
    {
        if (pcrs is null)
        {
            findings.Add(new("pcr.missing", FindingSeverity.Error, "no PCR values reported with the quote"));
            return false;
        }

        if (!attest.QuotedSelection!.Equals(pcrs.Selection))
        {
            findings.Add(new("pcr.selection", FindingSeverity.Error,
                $"the quote covers {attest.QuotedSelection} but the reported values are for {pcrs.Selection}"));
            return false;
        }

        if (pcrs.Validate() is { } problem)
        {
            findings.Add(new("pcr.size", FindingSeverity.Error, problem));
            return false;
        }

        return true;
    }

    private static TpmtSignature? CheckSignature(ReadOnlySpan<byte> attestBytes, ReadOnlySpan<byte> signatureBytes, AkPublicKey? ak,
        List<VerificationFinding> findings)
    {
        if (!TpmtSignature.TryParse(signatureBytes, out var signature, out var error))
        {
            findings.Add(new("quote.signature", FindingSeverity.Error, error));
            return null;
        }

        if (ak is null)
        {
            findings.Add(new("quote.signature", FindingSeverity.Error, "no usable attestation key to check the signature with"));
            return null;
        }

        string? problem;
        lock (ak)
        {
            problem = ak.VerifySignature(attestBytes, signature);
        }

        if (problem is not null)
        {
            findings.Add(new("quote.signature", FindingSeverity.Error, problem));
            return null;
        }

        return signature;
    }

    private static void CheckAkAttributes(AkPublicKey ak, List<VerificationFinding> findings)
    {
        if (ak.TpmPublic is { IsRestrictedSigningKey: false } tpm)
        {
            findings.Add(new("ak.attributes", FindingSeverity.Error,
                $"AK attributes 0x{tpm.Attributes:x8} are not restricted+sign: such a key could sign forged TPMS_ATTEST"));
        }
    }

    private static void CheckAkTrust(AkPublicKey ak, byte[]? certificate, VerifierPolicy policy, List<VerificationFinding> findings)
    {
        var fingerprint = Convert.ToHexStringLower(ak.Fingerprint);
        if (policy.PinnedAkFingerprints.Contains(fingerprint))
        {
            return;
        }

        if (certificate is not null && policy.TrustedAkCas.Count > 0)
        {
            if (CertificateProblem(ak, certificate, policy) is not { } problem)
            {
                return;
            }

            findings.Add(new("ak.certificate", FindingSeverity.Error, problem));
            return;
        }

        findings.Add(new("ak.trust", FindingSeverity.Error, $"AK sha256:{fingerprint} is neither pinned nor certified by a trusted CA"));
    }

    private static string? CertificateProblem(AkPublicKey ak, byte[] der, VerifierPolicy policy)
    {
        try
        {
            using var cert = X509CertificateLoader.LoadCertificate(der);
            if (!cert.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(ak.SubjectPublicKeyInfo))
            {
                return "the AK certificate is for a different key";
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(policy.TrustedAkCas);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(cert)
                ? null
                : "AK certificate does not chain to a trusted CA: " + string.Join(", ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()));
        }
        catch (CryptographicException e)
        {
            return $"AK certificate unreadable: {e.Message}";
        }
    }

    private static bool CheckPcrDigest(TpmsAttest attest, PcrValues pcrs, ushort hashAlg, List<VerificationFinding> findings)
    {
        if (TpmConstants.DigestSize(hashAlg) == 0)
        {
            findings.Add(new("pcr.digest", FindingSeverity.Error, $"unsupported quote hash 0x{hashAlg:x4}"));
            return false;
        }

        if (!CryptographicOperations.FixedTimeEquals(pcrs.ComputeDigest(hashAlg), attest.PcrDigest))
        {
            findings.Add(new("pcr.digest", FindingSeverity.Error, "the reported PCR values do not hash to the quoted PCR digest"));
            return false;
        }

        return true;
    }

    /// <summary>
    /// Check 7: replays every list to the quoted SHA-256 values and reports each covered range to
    /// <paramref name="onCovered"/> right after that list (so findings keep the per-list order). A full list continues
    /// from <paramref name="previous"/> when <paramref name="continueFullLists"/> allows it (falling back to a replay
    /// from zero if it does not continue); a delta (<see cref="ListToCheck.Base"/> &gt; 0) must continue the previous
    /// checkpoint at exactly its base, otherwise it is <c>log.delta</c> (recoverable: send the full list).
    /// </summary>
    internal static void ReplayLists(IReadOnlyList<ListToCheck> lists, PcrValues pcrs, IReadOnlyDictionary<MeasurementSource, ReplayCheckpoint>? previous,
        bool continueFullLists, Dictionary<MeasurementSource, ReplayCheckpoint> checkpoints, List<VerificationFinding> findings,
        Action<ListCoverage> onCovered)
    {
        var claimed = new Dictionary<uint, MeasurementSource>();
        foreach (var (source, list, listBase) in lists)
        {
            var prior = previous?.GetValueOrDefault(source);
            var touched = list.Entries.Select(e => e.Pcr);
            if (listBase > 0 && prior is not null)
            {
                touched = touched.Concat(prior.Pcrs.Keys);
            }

            foreach (var pcr in touched.Distinct())
            {
                if (!claimed.TryAdd(pcr, source))
                {
                    findings.Add(new("log.conflict", FindingSeverity.Error, $"two measurement lists extend PCR {pcr}"));
                }
            }

            if (Replay(source, list, listBase, pcrs, prior, continueFullLists, findings) is not var (checkpoint, judgeFrom))
            {
                continue;
            }

            checkpoints[source] = checkpoint;
            var total = listBase + list.Entries.Count;
            if (checkpoint.Offset < total)
            {
                findings.Add(new("log.uncovered", FindingSeverity.Info,
                    $"{source} list: {total - checkpoint.Offset} entries were added after the quote and are not judged"));
            }

            onCovered(new ListCoverage(source, list, listBase, judgeFrom, checkpoint.Offset));
        }
    }

    private static (ReplayCheckpoint Checkpoint, int JudgeFrom)? Replay(MeasurementSource source, MeasurementList list, int listBase, PcrValues pcrs,
        ReplayCheckpoint? prior, bool continueFullLists, List<VerificationFinding> findings)
    {
        if (listBase > 0)
        {
            if (prior is null || prior.Offset != listBase)
            {
                findings.Add(new("log.delta", FindingSeverity.Error,
                    $"{source} list: a delta after entry {listBase} does not continue the verified checkpoint " +
                    (prior is null ? "(none for this boot)" : $"(at entry {prior.Offset})") + "; the full list is needed", Recoverable: true));
                return null;
            }

            // The delta's first entry is entry listBase: replay it from the checkpoint's running values.
            var delta = ReplayEngine.Replay(list, pcrs, prior with { Offset = 0 });
            if (!delta.Replays)
            {
                findings.Add(new("log.replay", FindingSeverity.Error, $"{source} list after entry {listBase}: {delta.Problem}"));
                return null;
            }

            return (new ReplayCheckpoint(listBase + delta.Checkpoint!.Offset, delta.Checkpoint.Pcrs), listBase);
        }

        // Continue from the last verified point of this boot when there is one: only new entries are replayed
        // and judged. A list shorter than before, or one that does not continue, falls back to a full replay.
        var from = continueFullLists ? prior : null;
        var outcome = ReplayEngine.Replay(list, pcrs, from);
        if (!outcome.Replays && from is not null)
        {
            from = null;
            outcome = ReplayEngine.Replay(list, pcrs);
        }

        if (!outcome.Replays)
        {
            findings.Add(new("log.replay", FindingSeverity.Error, $"{source} list: {outcome.Problem}"));
            return null;
        }

        return (outcome.Checkpoint!, from?.Offset ?? 0);
    }

    /// <summary>
    /// Check 8: judges the covered entries from absolute entry <paramref name="from"/> on against the reference values
    /// (nothing when there are none); with a <paramref name="pcrFilter"/>, only entries extending one of those PCRs.
    /// Returns the number of error findings added.
    /// </summary>
    internal static int CheckReferences(ListCoverage coverage, int from, ReferenceValues? references, IReadOnlySet<int>? pcrFilter,
        List<VerificationFinding> findings)
    {
        if (references is null)
        {
            return 0;
        }

        var failures = 0;
        var entries = coverage.List.Entries;
        for (var i = Math.Max(from, coverage.Base) - coverage.Base; i < coverage.Covered - coverage.Base; i++)
        {
            if ((pcrFilter is null || pcrFilter.Contains((int)entries[i].Pcr)) && references.Check(entries[i]) is { } finding)
            {
                findings.Add(finding);
                failures++;
            }
        }

        return failures;
    }

    /// <summary>Check 9: reset/restart counters and clock against the last verified quote of this attester.</summary>
    internal static void CheckCounters(TpmsAttest attest, AttesterState? last, List<VerificationFinding> findings)
    {
        if (!attest.Safe)
        {
            findings.Add(new("clock.unsafe", FindingSeverity.Warning, "the TPM clock may have been rolled back (safe = NO)"));
        }

        if (last is null)
        {
            return;
        }

        if (attest.ResetCount != last.ResetCount)
        {
            findings.Add(attest.ResetCount < last.ResetCount
                ? new("clock.rollback", FindingSeverity.Error, $"reset count went back from {last.ResetCount} to {attest.ResetCount}")
                : new("clock.reboot", FindingSeverity.Warning, $"the TPM was reset (reboot) since the last quote ({last.ResetCount} → {attest.ResetCount})"));
            return;
        }

        if (attest.RestartCount != last.RestartCount)
        {
            findings.Add(attest.RestartCount < last.RestartCount
                ? new("clock.rollback", FindingSeverity.Error, $"restart count went back from {last.RestartCount} to {attest.RestartCount}")
                : new("clock.restart", FindingSeverity.Warning, $"the TPM restarted (resume) since the last quote ({last.RestartCount} → {attest.RestartCount})"));
            return;
        }

        if (attest.Clock <= last.Clock)
        {
            findings.Add(new("quote.replay", FindingSeverity.Error,
                $"TPM clock {attest.Clock} is not after the last verified quote's {last.Clock}: a replayed quote"));
        }
    }
}
