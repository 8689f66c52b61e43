using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Overlay.DataPlane.Replay;

namespace Overlay.Benchmarks.DataPlane;

/// <summary>
/// CanAccept + MarkAuthenticated per packet (window 1024), one thread: in order, and reordered within the
/// window. The baseline of each group is the window as it was before it took concurrent callers
/// (<see cref="SerialReplayWindow"/>: plain stores), measured in the same run: the ratio is what the
/// compare-and-swap updates cost a single receive loop. The "under a lock" rows are how EspSa.TryOpen used
/// the serial window before (a Lock around the check and another around the mark, uncontended): the cost the
/// lock-free window replaces on the packet path.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ReplayWindowBenchmarks
{
    private const int Batch = 1024;
    private readonly ulong[] _reordered = new ulong[Batch];
    private ReplayWindow _window = null!;
    private SerialReplayWindow _serial = null!;
    private ulong _base;
    private ulong _serialBase;
    private readonly Lock _lock = new();

    [GlobalSetup]
    public void Setup()
    {
        _window = new ReplayWindow(1024);
        _serial = new SerialReplayWindow(1024);
        var random = new Random(6479);
        for (int i = 0; i < Batch; i++)
        {
            _reordered[i] = (ulong)i;
        }

        random.Shuffle(_reordered.AsSpan(0, Batch));
    }

    [Benchmark(OperationsPerInvoke = Batch, Baseline = true, Description = "InOrder (before: serial)")]
    [BenchmarkCategory("InOrder")]
    public int InOrderSerial()
    {
        int accepted = 0;
        for (int i = 0; i < Batch; i++)
        {
            ulong seq = ++_serialBase;
            if (_serial.CanAccept(seq) && _serial.MarkAuthenticated(seq))
            {
                accepted++;
            }
        }

        return accepted;
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "InOrder (before: serial under a lock)")]
    [BenchmarkCategory("InOrder")]
    public int InOrderSerialLocked()
    {
        int accepted = 0;
        for (int i = 0; i < Batch; i++)
        {
            ulong seq = ++_serialBase;
            bool acceptable;
            lock (_lock)
            {
                acceptable = _serial.CanAccept(seq);
            }

            if (acceptable)
            {
                lock (_lock)
                {
                    accepted += _serial.MarkAuthenticated(seq) ? 1 : 0;
                }
            }
        }

        return accepted;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    [BenchmarkCategory("InOrder")]
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

    [Benchmark(OperationsPerInvoke = Batch, Baseline = true, Description = "ReorderedWithinWindow (before: serial)")]
    [BenchmarkCategory("Reordered")]
    public int ReorderedWithinWindowSerial()
    {
        ulong start = _serialBase + 1;
        _serialBase += Batch;
        int accepted = 0;
        for (int i = 0; i < Batch; i++)
        {
            ulong seq = start + _reordered[i];
            if (_serial.CanAccept(seq) && _serial.MarkAuthenticated(seq))
            {
                accepted++;
            }
        }

        return accepted;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    [BenchmarkCategory("Reordered")]
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
