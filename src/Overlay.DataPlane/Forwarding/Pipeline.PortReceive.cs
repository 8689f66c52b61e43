using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Io;
using Overlay.DataPlane.Pools;
using Overlay.DataPlane.Switching;

namespace Overlay.DataPlane.Forwarding;

public sealed partial class Pipeline
{
    /// <summary>
    /// Starts one receive loop per queue of <paramref name="port"/> (several when its frames are split by flow
    /// over a fanout group, <see cref="GuestPort.Queues"/>); the task completes when all have ended. Under the config lock.
    /// </summary>
    private Task StartPortLoops(GuestPort port)
    {
        if (port.Queues.Count == 1)
        {
            Task loop = StartLoop($"port {port.Name}", () => PortReceiveLoop(port, 0));
            _inputLoops.Add(loop);
            return loop;
        }

        var loops = new Task[port.Queues.Count];
        for (int queue = 0; queue < loops.Length; queue++)
        {
            int q = queue;
            loops[q] = StartLoop($"port {port.Name} {q}", () => PortReceiveLoop(port, q));
            _inputLoops.Add(loops[q]);
        }

        return Task.WhenAll(loops);
    }

    /// <summary>
    /// Stages 1–6 for one receive queue of a port: read a batch of guest frames, switch each within the port's
    /// TVD, seal what goes to tunnels into this loop's own send batch and send it. The loop is worker
    /// <paramref name="queue"/> for the counters, and sends through the underlay queue of port id + queue.
    /// </summary>
    private void PortReceiveLoop(GuestPort port, int queue)
    {
        IGuestPortIo io = port.Queues[queue];
        Workers.SetCurrent(queue);
        using var batch = new MessageBatch(Options.BatchSize, Options.BufferSize);
        using var sealedBatch = new SealedBatch(Options.BatchSize, Options.BufferSize, worker: port.Id + queue);
        var targets = new SwitchEndpoint[MaxTargets];
        string name = port.Queues.Count == 1 ? $"port {port.Name}" : $"port {port.Name} {queue}";
        bool reported = false;
        while (!_stopping && !port.IsDetached)
        {
            int received = io.Receive(batch);
            if (received < 0)
            {
                OnReceiveError(name, received, ref reported);
                continue;
            }

            reported = false;
            try
            {
                for (int i = 0; i < received; i++)
                {
                    OnGuestFrame(port, batch, i, targets, sealedBatch);
                }
            }
            catch (Exception e)
            {
                GlobalDrops.Increment(DropReason.InternalError);
                PipelineLog.LoopError(_logger, name, e);
            }
            finally
            {
                SendSealed(sealedBatch);
            }
        }
    }

    private void OnGuestFrame(GuestPort port, MessageBatch batch, int slot, SwitchEndpoint[] targets, SealedBatch sealedBatch)
    {
        PacketBuffer buffer = batch[slot];
        port.Received.Add(buffer.Length);
        if (batch.IsTruncated(slot))
        {
            port.Drops.Increment(DropReason.Oversized);
            return;
        }

        ReadOnlySpan<byte> frame = buffer.Valid;
        if (_ipRouter.HasRoutes && TryRouteGuestFrame(port, frame, sealedBatch))
        {
            return; // inner mode ip: answered or routed into a tunnel to a standard IPsec peer
        }

        ForwardingDecision decision = Switch.Decide(SwitchEndpoint.Local(port.Id), frame, targets);
        if (decision.Kind is ForwardingKind.Drop or ForwardingKind.Filtered)
        {
            return; // the switch counted a drop on the TVD
        }

        GuestPort[] ports = Volatile.Read(ref _ports);
        for (int t = 0; t < decision.Count; t++)
        {
            SwitchEndpoint target = targets[t];
            if (target.IsLocal)
            {
                DeliverToGuest(ports[target.Id], frame);
            }
            else
            {
                SealForTunnel(target.Id, frame, sealedBatch);
            }
        }
    }

    /// <summary>Stages 3a and 12: a frame to a local guest, in the clear.</summary>
    private static void DeliverToGuest(GuestPort to, ReadOnlySpan<byte> frame)
    {
        if (to.IsDetached)
        {
            return; // a decision taken just before the detach; the switch no longer targets it
        }

        if (to.Io.Send(frame) < 0)
        {
            to.Drops.Increment(DropReason.SendFailed);
            return;
        }

        to.Sent.Add(frame.Length);
    }
}
