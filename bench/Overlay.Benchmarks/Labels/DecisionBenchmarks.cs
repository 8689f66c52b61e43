using BenchmarkDotNet.Attributes;
using Overlay.Labels.Compiled;
using Overlay.Labels.Decisions;
using Overlay.Labels.Engine;

namespace Overlay.Benchmarks.Labels;

/// <summary>
/// STE, Chinese Wall and carry decisions on a policy of 1,000 guests and 100 TVDs (the target:
/// under 100 ns and 0 B per decision). "Pure" rows are <see cref="PolicyDecisions"/> on resolved
/// objects (what a port attach costs once names are resolved); "Engine" rows include the name
/// look-ups, the engine's lock and the audit call, i.e. what a caller of the daemon's API pays.
/// </summary>
[MemoryDiagnoser]
public class DecisionBenchmarks
{
    private CompiledPolicy _policy = null!;
    private CompiledGuest _guest = null!;
    private CompiledResource _sameTvd = null!;
    private CompiledResource _otherTvd = null!;
    private CompiledHost _host = null!;
    private CompiledTvd _tvd = null!;
    private RunningTypes _runningConflict = null!;
    private RunningTypes _runningClear = null!;
    private PolicyEngine _engine = null!;

    [GlobalSetup]
    public void Setup()
    {
        _policy = CompiledPolicy.Compile(SyntheticPolicy.Create(tvds: 100, guests: 1000, conflictSets: 20));
        _guest = _policy.FindGuest("g10")!; // TVD tvd10, CW type cw1a
        _sameTvd = _policy.FindResource("net10")!;
        _otherTvd = _policy.FindResource("net11")!;
        _host = _policy.FindHost("h0")!;
        _tvd = _policy.FindTvd("tvd10")!;

        // 500 running guests, among them g210 (cw1b, in conflict with g10's cw1a).
        _runningConflict = new RunningTypes(_policy.TypeCount);
        _runningClear = new RunningTypes(_policy.TypeCount);
        for (var i = 1; i < 1000; i += 2)
        {
            _runningClear.Add(_policy.FindGuest($"g{i}")!);
            _runningConflict.Add(_policy.FindGuest($"g{i}")!);
        }

        _runningConflict.Add(_policy.FindGuest("g210")!);
        _engine = new PolicyEngine(_policy);
    }

    [Benchmark(Baseline = true)]
    public bool SteAllow() => PolicyDecisions.Attach(_policy, _guest, _sameTvd).Allowed;

    [Benchmark]
    public bool SteDeny() => PolicyDecisions.Attach(_policy, _guest, _otherTvd).Allowed;

    [Benchmark]
    public bool ChineseWallAllow() => PolicyDecisions.Start(_policy, _guest, _host, _runningClear).Allowed;

    [Benchmark]
    public bool ChineseWallDeny() => PolicyDecisions.Start(_policy, _guest, _host, _runningConflict).Allowed;

    [Benchmark]
    public bool EngineAttachByName() => _engine.Attach("g10", "net10").Allowed;

    [Benchmark]
    public bool Carry() => PolicyDecisions.Carry(_policy, _tvd, _host, _host).Allowed;

    [Benchmark]
    public bool EngineCarryByLabel() => _engine.Carry("tvd:tvd10", "h0", "h0").Allowed;
}
