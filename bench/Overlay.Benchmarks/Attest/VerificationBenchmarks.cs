using BenchmarkDotNet.Attributes;
using Overlay.Attest.Quote;
using Overlay.Attest.Verify;

namespace Overlay.Benchmarks.Attest;

/// <summary>
/// Verification throughput (pure code, no TPM) of real swtpm quotes: ECC P-256 and RSA-2048, without and with a
/// 10,000-entry measurement list replayed and judged against reference values. Target: ≥ 5,000 ECC verifications
/// per second per core without the list (≤ 200 µs each). Evidence is collected once in setup.
/// </summary>
[MemoryDiagnoser]
public class VerificationBenchmarks
{
    public const int ListEntries = 10_000;

    private readonly QuoteVerifier _verifier = new();
    private VerifierPolicy _policy = null!;
    private Evidence _ecc = null!, _rsa = null!, _eccWithList = null!, _rsaWithList = null!;
    private byte[] _nonce = null!;

    [GlobalSetup]
    public void Setup()
    {
        using var tpm = new BenchTpm();
        tpm.Measure(ListEntries);
        _nonce = BenchTpm.NewNonce();
        _ecc = tpm.Collect(tpm.Ecc, _nonce, withList: false);
        _rsa = tpm.Collect(tpm.Rsa, _nonce, withList: false);
        _eccWithList = tpm.Collect(tpm.Ecc, _nonce, withList: true);
        _rsaWithList = tpm.Collect(tpm.Rsa, _nonce, withList: true);
        var references = new ReferenceValues();
        foreach (var entry in tpm.Log.Snapshot().Entries)
        {
            references.AllowFile(entry.Path, entry.FileDigest);
        }

        _policy = new VerifierPolicy { References = references }.PinAk(tpm.Ecc.AkPublic).PinAk(tpm.Rsa.AkPublic);
        foreach (var evidence in new[] { _ecc, _rsa, _eccWithList, _rsaWithList })
        {
            var result = _verifier.Verify(evidence, _nonce, _policy);
            if (!result.IsTrusted)
            {
                throw new InvalidOperationException($"benchmark evidence does not verify: {result}");
            }
        }
    }

    [Benchmark(Baseline = true)]
    public bool EccP256() => Check(_ecc);

    [Benchmark]
    public bool Rsa2048() => Check(_rsa);

    [Benchmark]
    public bool EccP256With10kList() => Check(_eccWithList);

    [Benchmark]
    public bool Rsa2048With10kList() => Check(_rsaWithList);

    // Throwing on an untrusted result keeps a broken setup from timing a fast failure path.
    private bool Check(Evidence evidence) =>
        _verifier.Verify(evidence, _nonce, _policy) is { IsTrusted: true } ? true : throw new InvalidOperationException("evidence stopped verifying");
}
