using Overlay.DataPlane.Switching;

namespace Overlay.DataPlane.Forwarding;

/// <summary>
/// Runtime port removal, for guests that stop while the daemon runs, and the reuse of the slots they leave.
/// Port ids are switch endpoint ids and index the port array that the data path reads without a lock, so a
/// detached port is first only marked: the switch forgets it (no new decision targets it), its receive loop
/// ends within one receive timeout, the switch drops any MAC its last frames re-learned, then its I/O is
/// closed and its slot is free. Without reuse the array would grow by one per guest restart.
/// <para>
/// A free slot is reused only by a port of the same TVD. A forwarding decision (or an ip-mode neighbor
/// entry) taken just before the detach still names the old id, and the data path resolves the id to a port
/// only afterwards, so such a frame can reach whichever port holds the slot by then. Keeping the slot in
/// the TVD bounds that to a guest the frame could have been flooded to anyway: it never crosses a TVD.
/// The table stays bounded by the most ports each TVD ever had at once.
/// </para>
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

        // The loop was the only ingress at this endpoint: what it learned after Detach flushed goes now.
        Switch.Forget(SwitchEndpoint.Local(port.Id));
        if (port.TryRelease())
        {
            port.Io.Dispose();
            port.MarkSlotFree(); // not when a stop closed it: a stopping pipeline takes no port
        }

        PipelineLog.PortDetached(_logger, name, port.Io.Interface, port.TvdLabel, port.VlanId);
        return true;
    }

    /// <summary>The lowest free slot whose last port had this TVD, else the next new one. Under the config lock.</summary>
    private int SlotFor(ushort vlanId, string tvdLabel)
    {
        GuestPort[] ports = _ports;
        for (int id = 0; id < ports.Length; id++)
        {
            GuestPort old = ports[id];
            if (old.IsDetached && old.IsSlotFree && old.VlanId == vlanId && old.TvdLabel == tvdLabel
                && !Switch.Holds(SwitchEndpoint.Local(id)))
            {
                return id;
            }
        }

        return ports.Length;
    }

    /// <summary>A copy of the port array with <paramref name="port"/> in its slot (replaced or appended); readers keep their snapshot.</summary>
    private static GuestPort[] WithPort(GuestPort[] ports, GuestPort port)
    {
        if (port.Id == ports.Length)
        {
            return [.. ports, port];
        }

        var copy = (GuestPort[])ports.Clone();
        copy[port.Id] = port;
        return copy;
    }
}
