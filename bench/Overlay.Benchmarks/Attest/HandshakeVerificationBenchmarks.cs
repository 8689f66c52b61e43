using BenchmarkDotNet.Attributes;
using Overlay.Attest.Handshake;
using Overlay.Attest.Ima;
using Overlay.Attest.Quote;
using Overlay.Attest.Structures;
using Overlay.Attest.Verify;

namespace Overlay.Benchmarks.Attest;

/// <summary>
/// Verification cost per evidence of an attested handshake (HandshakeVerifier.Verify: decode the bundle, check the
/// binding signature, the challenge and its Merkle proof, the quote, the lists and the requirement), on real swtpm
/// quotes with an ECC P-256 AK: (a) no measurement list, (b) a delta of 10 entries continuing a 10,000-entry
/// checkpoint, (c) the full 10,000-entry list. Plus the attester's per-handshake cost once a quote covers the
/// challenge (cached bundle + K_e signature). Evidence is made once in setup; each benchmark throws if the
/// evidence stops meeting its requirement, so a fast failure path cannot pass as speed.
/// </summary>
[MemoryDiagnoser]
public class HandshakeVerificationBenchmarks
{
    public const int ListEntries = 10_000, DeltaEntries = 10;
    private const string Host = "bench-h1";

    private readonly byte[] _octets = new byte[256];
    private HandshakeVerifier _verifier = null!;
    private AttestationRequirement _withReferences = null!, _withoutReferences = null!;
    private Signed _noList = null!, _delta = null!, _full = null!;
    private HostRecord? _atCheckpoint;
    private BenchTpm _tpm = null!;
    private HandshakeAttester _attester = null!;
    private byte[] _challenge = null!;

    [GlobalSetup]
    public void Setup()
    {
        var tpm = _tpm = new BenchTpm();
        tpm.Measure(ListEntries);
        var time = new FixedTimeProvider();
        var challenges = new ChallengeIssuer(time, TimeSpan.FromSeconds(20), keep: 2);
        _challenge = challenges.Current.Value;
        _verifier = new HandshakeVerifier(time, challenges);
        var pins = new Dictionary<string, string> { [Host] = Convert.ToHexStringLower(tpm.Ecc.AkPublic.Fingerprint) };
        _withoutReferences = new AttestationRequirement("open", BenchTpm.Selection, null, TimeSpan.FromSeconds(60), true, pins, []);

        using (var bare = new HandshakeAttester(Host, new Source(tpm, withList: false), time, AttesterOptions.Default))
        {
            _noList = Sign(Take(bare, EvidenceRequest.Full));
        }

        _attester = new HandshakeAttester(Host, new Source(tpm, withList: true), time, AttesterOptions.Default);
        _full = Sign(Take(_attester, EvidenceRequest.Full));
        var references = new ReferenceValues();
        foreach (var entry in tpm.Log.Snapshot().Entries)
        {
            references.AllowFile(entry.Path, entry.FileDigest);
        }

        _withReferences = new AttestationRequirement("known-good", BenchTpm.Selection, references, TimeSpan.FromSeconds(60), true, pins, []);
        VerifyFull10kList();
        _atCheckpoint = _verifier.Export(Host);

        tpm.Measure(DeltaEntries); // the same names again: allowed, and new entries for the list and the PCR
        _attester.Invalidate();
        _delta = Sign(Take(_attester, new EvidenceRequest(_verifier.Checkpoint(Host))));
        VerifyDeltaOf10();
        VerifyNoList();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _attester.Dispose();
        _tpm.Dispose();
    }

    // Each run starts from the same host record: none (first contact) for (a) and (c), the 10,000-entry checkpoint
    // for (b), so every run does the same work (restoring it is one dictionary write).
    [Benchmark(Baseline = true)]
    public bool VerifyNoList()
    {
        _verifier.Import(Host, null);
        return Check(_noList, _withoutReferences);
    }

    [Benchmark]
    public bool VerifyDeltaOf10()
    {
        _verifier.Import(Host, _atCheckpoint);
        return Check(_delta, _withReferences);
    }

    [Benchmark]
    public bool VerifyFull10kList()
    {
        _verifier.Import(Host, null);
        return Check(_full, _withReferences);
    }

    [Benchmark]
    public int AttesterServeAndSign()
    {
        var evidence = _attester.TryGet(_challenge, EvidenceRequest.Full) ?? throw new InvalidOperationException("no evidence");
        return evidence.Sign(_octets).Length + evidence.Bundle.Length;
    }

    private PreparedEvidence Take(HandshakeAttester attester, EvidenceRequest request)
    {
        using var ready = new ManualResetEventSlim();
        if (attester.TryGet(_challenge, request, ready.Set) is { } evidence)
        {
            return evidence;
        }

        ready.Wait(TimeSpan.FromMinutes(1));
        return attester.TryGet(_challenge, request) ?? throw new InvalidOperationException($"no evidence: {attester.LastFailure}");
    }

    private Signed Sign(PreparedEvidence evidence) => new(evidence.Bundle, evidence.Sign(_octets));

    private bool Check(Signed evidence, AttestationRequirement requirement)
    {
        var appraisal = _verifier.Verify(Host, evidence.Bundle, evidence.Binding, _octets, [requirement]);
        return appraisal.IsMet(requirement.Name)
            ? true
            : throw new InvalidOperationException($"evidence stopped verifying: {appraisal.Verdicts[requirement.Name]}");
    }

    private sealed record Signed(byte[] Bundle, byte[] Binding);

    /// <summary>The swtpm as the daemon's quote source would present it, with or without the list.</summary>
    private sealed class Source(BenchTpm tpm, bool withList) : IQuoteSource
    {
        public bool IsSoftwareTpm => true;

        public Evidence Collect(ReadOnlySpan<byte> qualifyingData) =>
            new QuoteCollector(tpm.Device, tpm.Ecc).CollectEvidence(qualifyingData, BenchTpm.Selection, withList ? tpm.Log : null);
    }

    /// <summary>Time stands still: the challenge stays fresh however long the benchmark runs.</summary>
    private sealed class FixedTimeProvider : TimeProvider
    {
        private readonly DateTimeOffset _now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;
    }
}
