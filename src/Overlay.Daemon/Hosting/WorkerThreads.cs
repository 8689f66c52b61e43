using Overlay.Common.Interop.Unix;

namespace Overlay.Daemon.Hosting;

/// <summary>
/// Who gets the CPU when there is not enough of it: the packet loops run at the daemon's priority, and the
/// control work behind bounded queues (IKE's workers) at a lower one, so a flood of handshakes costs the data
/// plane a share of the cores bounded by the scheduler rather than whatever IKE asks for. IKE's queue then
/// fills and drops (counted); IKE retransmits.
/// </summary>
public static class WorkerThreads
{
    /// <summary>Nice value of IKE's workers relative to 0: CFS gives such a thread about a tenth of a nice-0 one's share under contention.</summary>
    public const int IkeWorkerNice = 10;

    /// <summary>Lowers the calling thread; a failure (a sandbox forbidding setpriority) leaves it as it is.</summary>
    public static void LowerCurrent(int nice)
    {
        try
        {
            Interop.LibC.SetCurrentThreadNice(nice);
        }
        catch (ErrnoException)
        {
            // Priority is an optimisation; IKE works at any.
        }
    }
}
