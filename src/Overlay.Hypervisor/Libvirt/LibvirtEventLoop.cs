using Overlay.Hypervisor.Interop;

namespace Overlay.Hypervisor.Libvirt;

/// <summary>
/// libvirt's default event loop, run on one background thread for the life of the process. libvirt allows one
/// event implementation per process and it must be registered before the connections that use it, which is why
/// <see cref="LibvirtConnection.Open"/> calls <see cref="EnsureRunning"/> first. Lifecycle callbacks, close
/// callbacks and keepalive probes all run on this thread.
/// </summary>
public static class LibvirtEventLoop
{
    private static readonly Lock Gate = new();
    private static Thread? s_thread;
    private static long s_iterations;
    private static long s_failures;

    public static bool IsRunning => Volatile.Read(ref s_thread) is not null;

    /// <summary>Loop iterations so far (each one dispatched at least one handle or timer).</summary>
    public static long Iterations => Interlocked.Read(ref s_iterations);

    /// <summary>Iterations in which virEventRunDefaultImpl failed (the loop keeps going after a short pause).</summary>
    public static long Failures => Interlocked.Read(ref s_failures);

    public static void EnsureRunning()
    {
        lock (Gate)
        {
            if (s_thread is not null)
            {
                return;
            }

            Interop.Interop.Libvirt.RegisterDefaultEventImpl();
            var thread = new Thread(Run) { IsBackground = true, Name = "libvirt-events" };
            thread.Start();
            s_thread = thread;
        }
    }

    private static void Run()
    {
        // The loop lives as long as the process: libvirt offers no way to unregister the default implementation.
        while (true)
        {
            try
            {
                Interop.Interop.Libvirt.RunDefaultEventImplOnce();
                Interlocked.Increment(ref s_iterations);
            }
            catch (LibvirtException)
            {
                Interlocked.Increment(ref s_failures);
                Thread.Sleep(100);
            }
        }
    }
}
