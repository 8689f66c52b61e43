using System.Collections.Concurrent;
using System.Security.Cryptography;
using Overlay.Attest.Ima;
using Overlay.Attest.Quote;
using Overlay.Attest.Structures;

namespace Overlay.Attest.Verify;

/// <summary>
/// Verifies quotes without a TPM, in a fixed order, collecting every reason rather than stopping at the first:
/// <list type="number">
/// <item>parse TPMS_ATTEST; magic is TPM_GENERATED_VALUE and type TPM_ST_ATTEST_QUOTE (CVE-2024-29038)</item>
/// <item>the selection inside the signed quote equals the selection of the reported values (CVE-2024-29039)</item>
/// <item>extraData equals the expected nonce (constant-time)</item>
/// <item>the signature verifies under the AK</item>
/// <item>the AK is trusted (pinned, or certified by a trusted CA) and is a restricted signing key</item>
/// <item>the quoted PCR digest equals the digest of the reported values</item>
/// <item>every measurement list replays to the reported (now quoted) values</item>
/// <item>every covered entry matches the reference values</item>
/// <item>reset/restart counters and clock move forward from the last verified quote</item>
/// </list>
/// A later check that depends on something an earlier one could not establish is skipped, and the earlier
/// finding says why. Instances are thread-safe and cache imported AK keys.
/// The steps are also available one by one (internal): <see cref="CheckQuote"/> (1-6), <see cref="ReplayLists"/> (7)
/// and <see cref="CheckReferences"/> (8), so the handshake verifier can keep "the quote and its lists are valid"
/// (state, checkpoints) apart from "the entries meet a requirement's reference values".
/// </summary>
public sealed partial class QuoteVerifier
{
    private const int MaxCachedKeys = 1024;
    private readonly ConcurrentDictionary<string, AkPublicKey> _keys = new(StringComparer.Ordinal);

    /// <summary>Verifies decoded evidence (see <see cref="EvidenceCodec"/>).</summary>
    public VerificationResult Verify(Evidence evidence, ReadOnlySpan<byte> expectedNonce, VerifierPolicy policy, AttesterState? last = null)
    {
        var findings = new List<VerificationFinding>();
        var ak = GetKey(evidence.AkPublic, findings);
        var pcrs = ReadPcrValues(evidence.PcrValues, findings);
        var lists = new List<ListToCheck>();
        foreach (var log in evidence.Logs)
        {
            if (ParseList(log.Source, log.Binary, findings) is { } list)
            {
                lists.Add(new ListToCheck(log.Source, list));
            }
        }

        return VerifyCore(evidence.Attest, evidence.Signature, ak, pcrs, lists, evidence.AkCertificate, expectedNonce, policy, last, findings);
    }

    /// <summary>Verifies the parts tpm2_quote writes (message, signature, PCR values) under a given AK.</summary>
    public VerificationResult VerifyQuote(ReadOnlySpan<byte> attest, ReadOnlySpan<byte> signature, AkPublicKey ak, PcrValues? pcrs,
        ReadOnlySpan<byte> expectedNonce, VerifierPolicy policy, AttesterState? last = null) =>
        VerifyCore(attest, signature, ak, pcrs, [], null, expectedNonce, policy, last, []);

    /// <summary>Imports an AK from TPM2B_PUBLIC (cached by its bytes); null with an <c>evidence.ak</c> finding when unusable.</summary>
    internal AkPublicKey? GetKey(byte[] akPublic, List<VerificationFinding> findings)
    {
        var cacheKey = Convert.ToBase64String(akPublic);
        if (_keys.TryGetValue(cacheKey, out var cached))
        {
            return cached;
        }

        if (ImportKey(akPublic, findings) is not { } key)
        {
            return null;
        }

        if (_keys.Count < MaxCachedKeys)
        {
            _keys.TryAdd(cacheKey, key);
        }

        return key;
    }

    /// <summary>
    /// Imports an AK from TPM2B_PUBLIC, uncached (the caller disposes it); null with an <c>evidence.ak</c> finding
    /// when unusable.
    /// </summary>
    internal static AkPublicKey? ImportKey(byte[] akPublic, List<VerificationFinding> findings)
    {
        if (!TpmtPublic.TryParse2B(akPublic, out var tpm, out var error))
        {
            findings.Add(new("evidence.ak", FindingSeverity.Error, $"AK public: {error}"));
            return null;
        }

        try
        {
            return AkPublicKey.FromTpmPublic(tpm);
        }
        catch (Exception e) when (e is CryptographicException or NotSupportedException)
        {
            findings.Add(new("evidence.ak", FindingSeverity.Error, $"AK public: {e.Message}"));
            return null;
        }
    }

    /// <summary>Reads the reported PCR values; null with an <c>evidence.pcrs</c> finding when malformed.</summary>
    internal static PcrValues? ReadPcrValues(ReadOnlySpan<byte> wire, List<VerificationFinding> findings)
    {
        var reader = new TpmReader(wire);
        if (!PcrValues.TryRead(ref reader, out var parsed) || reader.Remaining != 0)
        {
            findings.Add(new("evidence.pcrs", FindingSeverity.Error, "reported PCR values are truncated or malformed"));
            return null;
        }

        return parsed;
    }

    /// <summary>Parses one measurement list; null with an <c>evidence.log</c> finding when malformed.</summary>
    internal static MeasurementList? ParseList(MeasurementSource source, ReadOnlySpan<byte> binary, List<VerificationFinding> findings)
    {
        if (MeasurementList.TryParse(binary, out var list, out var error))
        {
            return list;
        }

        findings.Add(new("evidence.log", FindingSeverity.Error, $"{source} measurement list: {error}"));
        return null;
    }

    private static VerificationResult VerifyCore(ReadOnlySpan<byte> attestBytes, ReadOnlySpan<byte> signatureBytes, AkPublicKey? ak,
        PcrValues? pcrs, IReadOnlyList<ListToCheck> lists, byte[]? akCertificate,
        ReadOnlySpan<byte> expectedNonce, VerifierPolicy policy, AttesterState? last, List<VerificationFinding> findings)
    {
        // 1-6. The quote itself: structure, selection, nonce, signature, AK trust, PCR digest.
        if (CheckQuote(attestBytes, signatureBytes, ak, pcrs, expectedNonce, findings, policy, akCertificate) is not { } quote)
        {
            return new VerificationResult(findings, null, 0);
        }

        var attest = quote.Attest;

        // 7-8. Measurement lists replay to the quoted values, and what they measured is known-good.
        var sameBoot = last is not null && last.ResetCount == attest.ResetCount && last.RestartCount == attest.RestartCount;
        var checkpoints = new Dictionary<MeasurementSource, ReplayCheckpoint>();
        var covered = 0;
        if (quote.ValuesBound)
        {
            ReplayLists(lists, pcrs!, sameBoot ? last!.Checkpoints : null, continueFullLists: true, checkpoints, findings, coverage =>
            {
                covered += coverage.Covered - coverage.JudgeFrom;
                CheckReferences(coverage, coverage.JudgeFrom, policy.References, pcrFilter: null, findings);
            });
        }
        else if (lists.Count > 0)
        {
            findings.Add(new("log.skipped", FindingSeverity.Info, "measurement lists not checked: the PCR values are not bound to a valid quote"));
        }

        // 9. Counters and clock move forward.
        CheckCounters(attest, last, findings);

        var trusted = !findings.Any(f => f.Severity == FindingSeverity.Error);
        var state = trusted ? new AttesterState(attest.ResetCount, attest.RestartCount, attest.Clock) { Checkpoints = checkpoints } : null;
        return new VerificationResult(findings, state, covered);
    }

    /// <summary>
    /// Checks 1-6: the quote parses, is a quote, covers the reported selection, carries the expected nonce, is signed
    /// by the AK, and binds the reported PCR values. With a <paramref name="policy"/> the AK must also be trusted by
    /// it (check 5); without one only its attributes are checked and trust is left to the caller. Null when the
    /// quote does not even parse (a <c>quote.parse</c> finding says why).
    /// </summary>
    internal static QuoteCheck? CheckQuote(ReadOnlySpan<byte> attestBytes, ReadOnlySpan<byte> signatureBytes, AkPublicKey? ak, PcrValues? pcrs,
        ReadOnlySpan<byte> expectedNonce, List<VerificationFinding> findings, VerifierPolicy? policy = null, byte[]? akCertificate = null)
    {
        // 1. Structure: the TPM made this, and it is a quote.
        if (!TpmsAttest.TryParse(attestBytes, out var attest, out var parseError))
        {
            findings.Add(new("quote.parse", FindingSeverity.Error, parseError));
            return null;
        }

        var isQuote = CheckStructure(attest, findings);

        // 2. The signed selection is the selection of the values we are shown.
        var selectionOk = isQuote && CheckSelection(attest, pcrs, findings);

        // 3. Freshness.
        if (!CryptographicOperations.FixedTimeEquals(attest.ExtraData, expectedNonce))
        {
            findings.Add(new("quote.nonce", FindingSeverity.Error,
                $"qualifying data {Convert.ToHexStringLower(attest.ExtraData)} is not the expected nonce", Recoverable: true));
        }

        // 4-5. Who signed it, and do we trust them.
        var signature = CheckSignature(attestBytes, signatureBytes, ak, findings);
        if (ak is not null)
        {
            CheckAkAttributes(ak, findings);
            if (policy is not null)
            {
                CheckAkTrust(ak, akCertificate, policy, findings);
            }
        }

        // 6. The reported values are the quoted ones.
        var valuesBound = selectionOk && signature is not null && CheckPcrDigest(attest, pcrs!, signature.HashAlg, findings);
        return new QuoteCheck(attest, valuesBound);
    }
}

/// <summary>What checks 1-6 established: the parsed quote, and whether the reported PCR values are the signed ones.</summary>
internal sealed record QuoteCheck(TpmsAttest Attest, bool ValuesBound);

/// <summary>
/// A measurement list to replay. <see cref="Base"/> 0 is a full list; otherwise the list holds only the entries after
/// the first <see cref="Base"/> (a delta), and replay continues from the verifier's checkpoint at exactly that count.
/// </summary>
internal sealed record ListToCheck(MeasurementSource Source, MeasurementList List, int Base = 0);

/// <summary>
/// A list that replayed. Entry numbers are absolute (<c>List.Entries[i]</c> is entry <c>Base + i</c>): entries
/// [<see cref="JudgeFrom"/>, <see cref="Covered"/>) are covered by the quote and were not covered by the checkpoint
/// replay continued from.
/// </summary>
internal readonly record struct ListCoverage(MeasurementSource Source, MeasurementList List, int Base, int JudgeFrom, int Covered);
