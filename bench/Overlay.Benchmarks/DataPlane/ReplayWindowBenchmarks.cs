using BenchmarkDotNet.Attributes;
using Overlay.DataPlane.Replay;

namespace Overlay.Benchmarks.DataPlane;

/// <summary>CanAccept + MarkAuthenticated per packet (window 1024): in order, and reordered within the window.</summary>
[MemoryDiagnoser]
public class ReplayWindowBenchmarks
{
    private const int Batch = 1024;
    private readonly ulong[] _reordered = new ulong[Batch];
    private ReplayWindow _window = null!;
    private ulong _base;

    [GlobalSetup]
    public void Setup()
    {
        _window = new ReplayWindow(1024);
        var random = new Random(6479);
        for (int i = 0; i < Batch; i++)
        {
            _reordered[i] = (ulong)i;
        }

        random.Shuffle(_reordered.AsSpan(0, Batch));
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int InOrder()
    {
        int accepted = 0;
        for (int i = 0; i < Batch; i++)
        {
            ulong seq = ++_base;
            if (_window.CanAccept(seq) && _window.MarkAuthenticated(seq))
            {
                accepted++;
            }
        }

        return accepted;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int ReorderedWithinWindow()
    {
        // Each batch is a shuffled block of 1024 numbers just above the current top.
        ulong start = _base + 1;
        _base += Batch;
        int accepted = 0;
        for (int i = 0; i < Batch; i++)
        {
            ulong seq = start + _reordered[i];
            if (_window.CanAccept(seq) && _window.MarkAuthenticated(seq))
            {
                accepted++;
            }
        }

        return accepted;
    }
}
