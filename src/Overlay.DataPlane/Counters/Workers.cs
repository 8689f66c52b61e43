using System.Numerics;

namespace Overlay.DataPlane.Counters;

/// <summary>
/// Which worker (loop thread) the calling thread is, for counters kept per worker: each loop of the pipeline
/// sets its index once when it starts (<see cref="SetCurrent"/>); every other thread (IKE, timers, tests) is
/// worker 0. Counters with one cell per worker (<see cref="DropCounters"/>, <see cref="TrafficCounters"/>,
/// <c>UnderlayCounters</c>) let each worker write its own cache lines, so no line written per packet bounces
/// between cores; reads sum the cells. The cells per counter are <see cref="Cells"/>; workers beyond that share a
/// cell (still exact: cells are updated atomically).
/// </summary>
public static class Workers
{
    /// <summary>Cells per counter: the CPUs this process may use, rounded up to a power of two, at most 64.</summary>
    public static readonly int Cells = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(Environment.ProcessorCount, 1, 64));

    [ThreadStatic]
    private static int t_current;

    /// <summary>The calling thread's worker index (0 unless its loop set one).</summary>
    public static int Current => t_current;

    /// <summary>The cell the calling thread writes.</summary>
    internal static int Cell => t_current & (Cells - 1);

    /// <summary>Called once by a loop thread when it starts.</summary>
    public static void SetCurrent(int worker)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(worker);
        t_current = worker;
    }
}
