using System.Runtime.InteropServices;
using Overlay.Ike.Net;
using Overlay.Ike.Sa;

namespace Overlay.IkeBench;

/// <summary>Serves as the responder until SIGTERM/SIGINT or --max-seconds, then prints its counters.</summary>
public static class Responder
{
    public static async Task<int> ServeAsync(IkeSocket socket, IkeSaManager manager, CountingSink sink, BenchOptions options)
    {
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
        Console.WriteLine($"ready {socket.IkeEndpoint} {socket.NatTraversalEndpoint}");
        await Task.WhenAny(stop.Task, Task.Delay(options.MaxTime)).ConfigureAwait(false);
        var s = socket.Stats;
        Console.WriteLine($"# responder: child_sas installed {sink.InstalledCount} removed {sink.RemovedCount}, ike messages {s.IkeMessages}, "
            + $"dropped {manager.Dropped}, malformed {s.Malformed}, handler errors {s.HandlerErrors}, sas left {manager.Sas.Count}");
        return 0;
    }
}
