using BenchmarkDotNet.Attributes;
using Overlay.Attest.Quote;

namespace Overlay.Benchmarks.Attest;

/// <summary>
/// Latency of taking a quote on swtpm through ESYS (PCR read + TPM2_Quote over the Unix socket), and of one
/// measurement (SHA-256 + PCR extend). Compare with tpm2_quote's ~14-16 ms, most of which is process start.
/// </summary>
[MemoryDiagnoser]
public class QuoteLatencyBenchmarks
{
    private BenchTpm _tpm = null!;
    private QuoteCollector _ecc = null!, _rsa = null!;
    private byte[] _nonce = null!;
    private int _counter;

    [GlobalSetup]
    public void Setup()
    {
        _tpm = new BenchTpm();
        _ecc = new QuoteCollector(_tpm.Device, _tpm.Ecc);
        _rsa = new QuoteCollector(_tpm.Device, _tpm.Rsa);
        _nonce = BenchTpm.NewNonce();
    }

    [GlobalCleanup]
    public void Cleanup() => _tpm.Dispose();

    [Benchmark(Baseline = true)]
    public int QuoteEccP256() => _ecc.Quote(_nonce, BenchTpm.Selection).Attest.Length;

    [Benchmark]
    public int QuoteRsa2048() => _rsa.Quote(_nonce, BenchTpm.Selection).Attest.Length;

    [Benchmark]
    public int MeasureBlob() => _tpm.Measurer.MeasureBlob("/bench/blob", BitConverter.GetBytes(_counter++)).TemplateData.Length;
}
