using System.Collections.Immutable;
using System.Security.Cryptography;
using Overlay.Attest.Verify;

namespace Overlay.Attest.Handshake;

/// <summary>
/// The verifier's side of attested handshakes: judges a peer's <see cref="EvidenceBundle"/> as used in one handshake
/// against each requirement. The order (docs/attestation.md "Checks"):
/// <list type="number">
/// <item>the bundle decodes (<c>evidence.bundle</c>);</item>
/// <item>binding, cheap checks first: the bundle names the expected host (<c>binding.host</c>), answers one of our
/// challenges (<c>challenge.unknown</c>), the challenge is a leaf of the root it names (<c>merkle.proof</c>), and K_e
/// signed the binding octets (<c>binding</c>). Evidence that fails any of these is refused without looking further;</item>
/// <item>the quote, once per bundle (<see cref="QuoteVerifier"/> with the recomputed qualifyingData as nonce):
/// <c>quote.*</c>, <c>pcr.*</c>, <c>ak.attributes</c>, <c>evidence.*</c>;</item>
/// <item>under the host's lock: counters and clock against the last accepted quote (<c>clock.*</c>,
/// <c>quote.replay</c>; the very same quote again is fine), lists replayed, deltas from the checkpoint
/// (<c>log.*</c>);</item>
/// <item>per requirement: AK trusted for this host (<c>ak.trust</c>, <c>ak.certificate</c>), PCRs covered
/// (<c>pcr.required</c>), software TPM allowed (<c>tpm.software</c>), challenge age ≤ max_age
/// (<c>challenge.stale</c>), reference values over the covered entries, sticky within a boot (<c>ref.*</c>,
/// <c>log.missing</c>, <c>log.delta</c>).</item>
/// </list>
/// State (counters, checkpoints, judgements) is updated only when the common checks pass and some requirement
/// trusts the AK for the host, so evidence from an unknown AK cannot disturb a host's record. At most
/// <c>maxHosts</c> records are kept (least recently verified first out). Thread-safe.
/// </summary>
public sealed partial class HandshakeVerifier
{
    public const int DefaultMaxHosts = 4096;

    private readonly TimeProvider _time;
    private readonly QuoteVerifier _quotes = new();
    private readonly HostStateTable _hosts;

    public HandshakeVerifier(TimeProvider time, ChallengeIssuer challenges, int maxHosts = DefaultMaxHosts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxHosts, 1);
        _time = time;
        Challenges = challenges;
        _hosts = new HostStateTable(maxHosts);
    }

    /// <summary>The challenges this verifier hands out and accepts.</summary>
    public ChallengeIssuer Challenges { get; }

    /// <summary>Hosts with a record.</summary>
    public int HostCount => _hosts.Count;

    /// <summary>
    /// Verifies <paramref name="bundle"/> as presented by <paramref name="expectedHostId"/> in a handshake whose
    /// binding octets are <paramref name="bindingOctets"/>, with <paramref name="binding"/> the K_e signature over
    /// them. Never throws for anything in the bundle; throws only for duplicate requirement names.
    /// </summary>
    public PeerAppraisal Verify(string expectedHostId, ReadOnlySpan<byte> bundle, ReadOnlySpan<byte> binding, ReadOnlySpan<byte> bindingOctets,
        IReadOnlyList<AttestationRequirement> requirements)
    {
        if (requirements.Select(r => r.Name).Distinct(StringComparer.Ordinal).Count() != requirements.Count)
        {
            throw new ArgumentException("requirement names must be unique", nameof(requirements));
        }

        var now = _time.GetUtcNow();
        var digest = SHA256.HashData(bundle);
        if (TryCached(expectedHostId, digest, binding, bindingOctets, requirements, now, out var cached))
        {
            return WithStanding(expectedHostId, cached, requirements, now);
        }

        var common = new List<VerificationFinding>();
        if (!EvidenceBundleCodec.TryDecode(bundle, out var decoded, out var error))
        {
            common.Add(new("evidence.bundle", FindingSeverity.Error, error));
            return WithStanding(expectedHostId, Refused(expectedHostId, now, null, common, requirements), requirements, now);
        }

        var challenge = CheckBinding(expectedHostId, decoded, binding, bindingOctets, common);
        if (challenge is null || HasError(common))
        {
            return WithStanding(expectedHostId, Refused(expectedHostId, now, challenge, common, requirements, decoded.SoftwareTpm), requirements, now);
        }

        var appraisal = VerifyEvidence(expectedHostId, decoded, challenge, now, common, requirements);
        Remember(expectedHostId, digest, decoded, challenge, requirements, appraisal);
        return WithStanding(expectedHostId, appraisal, requirements, now);
    }

    /// <summary>
    /// What this verifier holds of <paramref name="host"/>'s lists (send it with the challenge so the attester can
    /// answer with deltas); null when it holds nothing. After a <c>log.delta</c> it names no list (the boot only), so
    /// the attester sends every list in full, until evidence without <c>log.delta</c> is accepted.
    /// </summary>
    public ListCheckpoint? Checkpoint(string host) => _hosts.Get(host)?.ToCheckpoint();

    /// <summary>Drops everything kept about <paramref name="host"/>: its next evidence must carry full lists.</summary>
    public void Forget(string host)
    {
        lock (_hosts.GateFor(host))
        {
            _hosts.Remove(host);
            _lastWithoutDelta.TryRemove(host, out _);
        }
    }

    /// <summary>The record of a host (benchmarks restore it to verify the same delta repeatedly).</summary>
    internal HostRecord? Export(string host) => _hosts.Get(host);

    internal void Import(string host, HostRecord? record)
    {
        lock (_hosts.GateFor(host))
        {
            if (record is null)
            {
                _hosts.Remove(host);
            }
            else
            {
                _hosts.Set(host, record);
            }
        }
    }

    private static bool HasError(IEnumerable<VerificationFinding> findings) => findings.Any(f => f.Severity == FindingSeverity.Error);

    private static PeerAppraisal Refused(string host, DateTimeOffset now, AttestationChallenge? challenge, List<VerificationFinding> common,
        IReadOnlyList<AttestationRequirement> requirements, bool softwareTpm = false) => new()
        {
            HostId = host,
            ChallengeIssuedAt = challenge?.IssuedAt,
            VerifiedAt = now,
            Findings = common,
            Verdicts = requirements.ToDictionary(r => r.Name, _ => new RequirementVerdict(false, common), StringComparer.Ordinal),
            SoftwareTpm = softwareTpm,
        };

    private static RequirementVerdict Verdict(List<VerificationFinding> common, List<VerificationFinding> own)
    {
        var findings = new List<VerificationFinding>(common.Count + own.Count);
        findings.AddRange(common);
        findings.AddRange(own);
        return new RequirementVerdict(!HasError(findings), findings);
    }

    private static ImmutableDictionary<string, Judgement> NoJudgements => ImmutableDictionary.Create<string, Judgement>(StringComparer.Ordinal);
}
