using Overlay.DataPlane.Forwarding;
using Overlay.DataPlane.Switching;

namespace Overlay.DataPlane.Esp;

/// <summary>
/// Runtime port removal, for guests that stop while the daemon runs. Port ids are switch endpoint ids and index
/// the port array that the data path reads without a lock, so a detached port keeps its slot (ids are never
/// reused) and is only marked: the switch forgets it first (no new decision targets it), its receive loop ends
/// within one receive timeout, and then its socket is closed. A guest started again gets a new port.
/// </summary>
public sealed partial class Pipeline
{
    private readonly Dictionary<int, Task> _portLoops = [];

    /// <summary>
    /// Detaches the attached port named <paramref name="name"/>; false when there is none. Completes once the
    /// port's receive loop has ended and its I/O is closed (the pipeline no longer owns it).
    /// </summary>
    public async Task<bool> DetachPortAsync(string name)
    {
        GuestPort? port;
        Task? loop;
        lock (_configLock)
        {
            port = Array.Find(_ports, p => p.Name == name && !p.IsDetached);
            if (port is null)
            {
                return false;
            }

            Switch.Detach(SwitchEndpoint.Local(port.Id));
            port.MarkDetached();
            _portLoops.Remove(port.Id, out loop);
        }

        if (loop is not null)
        {
            await loop.ConfigureAwait(false);
        }

        if (port.TryRelease())
        {
            port.Io.Dispose();
        }

        PipelineLog.PortDetached(_logger, name, port.Io.Interface, port.TvdLabel, port.VlanId);
        return true;
    }
}
