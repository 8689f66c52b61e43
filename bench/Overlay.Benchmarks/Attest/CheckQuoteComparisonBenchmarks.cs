using BenchmarkDotNet.Attributes;
using Overlay.Attest.Quote;

namespace Overlay.Benchmarks.Attest;

/// <summary>
/// Our side of the tpm2_checkquote comparison (bench/attest-compare.sh): checking one tpm2_quote file set —
/// read ak.pub, quote.msg, quote.sig and quote.pcrs, import the key, parse, verify signature, nonce and PCR
/// digest — exactly the work tpm2_checkquote does, minus its process start. With <see cref="QuotesVariable"/>
/// set, the files come from that directory (<c>ecc/</c>, <c>rsa/</c>, each with <c>nonce.hex</c>), so the
/// script times both verifiers on the same quotes; otherwise setup takes its own quotes on a swtpm.
/// </summary>
[MemoryDiagnoser]
public class CheckQuoteComparisonBenchmarks
{
    public const string QuotesVariable = "TVD_ATTEST_QUOTES";
    public const string NonceFile = "nonce.hex";

    private string? _ownDirectory;
    private string _directory = null!;
    private byte[] _nonce = null!;

    [Params("ecc", "rsa")]
    public string Key { get; set; } = "ecc";

    [GlobalSetup]
    public void Setup()
    {
        string? shared = Environment.GetEnvironmentVariable(QuotesVariable);
        if (string.IsNullOrEmpty(shared))
        {
            _ownDirectory = Path.Combine("/tmp", $"tvdbench-cq-{Guid.NewGuid():N}"[..24]);
            using var tpm = new BenchTpm();
            var key = Key == "rsa" ? tpm.Rsa : tpm.Ecc;
            byte[] nonce = BenchTpm.NewNonce();
            string directory = Path.Combine(_ownDirectory, Key);
            Tpm2ToolsFiles.Write(directory, new QuoteCollector(tpm.Device, key).Quote(nonce, BenchTpm.Selection), key);
            File.WriteAllText(Path.Combine(directory, NonceFile), Convert.ToHexStringLower(nonce));
            shared = _ownDirectory;
        }

        _directory = Path.Combine(shared, Key);
        _nonce = Convert.FromHexString(File.ReadAllText(Path.Combine(_directory, NonceFile)).Trim());
        if (!Check())
        {
            throw new InvalidOperationException($"the quote in {_directory} does not verify");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_ownDirectory is not null)
        {
            Directory.Delete(_ownDirectory, recursive: true);
        }
    }

    // Throwing on an untrusted result keeps a broken setup from timing a fast failure path.
    [Benchmark]
    public bool CheckQuoteFiles() => Check() ? true : throw new InvalidOperationException("quote stopped verifying");

    private bool Check() =>
        Tpm2ToolsFiles.Check(Path.Combine(_directory, Tpm2ToolsFiles.AkPublic), Path.Combine(_directory, Tpm2ToolsFiles.Message),
            Path.Combine(_directory, Tpm2ToolsFiles.Signature), Path.Combine(_directory, Tpm2ToolsFiles.Pcrs), _nonce, out _) is { IsTrusted: true };
}
