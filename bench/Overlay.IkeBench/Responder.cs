using System.Runtime.InteropServices;
using Overlay.Daemon.IkeHost;

namespace Overlay.IkeBench;

/// <summary>Serves as the responder until SIGTERM/SIGINT or --max-seconds, then prints its counters.</summary>
public static class Responder
{
    public static async Task<int> ServeAsync(StandaloneIke ike, CountingSink sink, BenchOptions options)
    {
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
        Console.WriteLine($"ready {ike.Transport.IkeEndpoint} {ike.Transport.NatTraversalEndpoint}");
        await Task.WhenAny(stop.Task, Task.Delay(options.MaxTime)).ConfigureAwait(false);
        var s = ike.Transport.Stats;
        Console.WriteLine($"# responder: child_sas installed {sink.InstalledCount} removed {sink.RemovedCount}, ike messages {s.Received}, "
            + $"dropped {ike.Manager.Dropped}, queue full {s.DroppedQueueFull}, runts {s.DroppedRunts}, handler errors {s.HandlerErrors}, "
            + $"sas left {ike.Manager.Sas.Count}");
        return 0;
    }
}
