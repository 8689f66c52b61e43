using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Forwarding;
using Overlay.DataPlane.Io;
using Overlay.DataPlane.Pools;
using Overlay.DataPlane.Sa;

namespace Overlay.DataPlane.Esp;

public sealed partial class Pipeline
{
    /// <summary>
    /// Stages 4–6: the one loop that seals. Being the only sealer keeps each SA's sequence numbers
    /// sequential on the wire and its AesGcm instance single-threaded. Runs until the queue is completed
    /// and drained, so frames accepted before stopping still leave.
    /// </summary>
    private void UnderlaySendLoop()
    {
        using var batch = new MessageBatch(Options.BatchSize, Options.BufferSize);
        while (true)
        {
            if (!_toUnderlay.TryDequeue(out PacketBuffer frame, Options.ReceiveTimeout))
            {
                if (_toUnderlay.IsDrained)
                {
                    return;
                }

                continue;
            }

            int count = 0;
            try
            {
                do
                {
                    try
                    {
                        count += SealInto(frame, batch, count);
                    }
                    finally
                    {
                        _pool.Return(frame);
                    }
                }
                while (count < batch.Capacity && _toUnderlay.TryDequeue(out frame));

                SendBatch(batch, count);
            }
            catch (Exception e)
            {
                GlobalDrops.Increment(DropReason.InternalError);
                PipelineLog.LoopError(_logger, "underlay send", e);
            }
        }
    }

    /// <summary>Seals one queued guest frame into batch slot <paramref name="slot"/>; 1 when it is ready to send.</summary>
    private int SealInto(PacketBuffer frame, MessageBatch batch, int slot)
    {
        Tunnel tunnel = Volatile.Read(ref _tunnels)[frame.Target];
        if (!Sas.TryGetOutbound(tunnel.Peer, tunnel.VlanId, out EspSa sa))
        {
            GlobalDrops.Increment(DropReason.NoOutboundSa);
            return 0;
        }

        PacketBuffer packet = batch[slot];
        if (sa.InnerMode == InnerMode.Ip)
        {
            int sealedIp = SealIpInto(sa, frame, packet);
            batch.SetAddress(slot, tunnel.Address);
            return sealedIp;
        }

        if (EtherIpTunnel.Encapsulate(sa, frame.Valid, packet.Data, out int written, Options.Mtu) != DropReason.None)
        {
            return 0; // counted on the SA
        }

        packet.Length = written;
        batch.SetAddress(slot, tunnel.Address);
        return 1;
    }

    /// <summary>Stage 6: sendmmsg until every slot went out; a slot the kernel refuses is counted and skipped.</summary>
    private void SendBatch(MessageBatch batch, int count)
    {
        int start = 0;
        int sent = 0;
        long bytes = 0;
        while (start < count)
        {
            int result = _underlay.Send(batch, start, count - start);
            if (result <= 0)
            {
                GlobalDrops.Increment(DropReason.SendFailed);
                start++;
                continue;
            }

            for (int i = start; i < start + result; i++)
            {
                bytes += batch[i].Length;
            }

            sent += result;
            start += result;
        }

        if (sent > 0)
        {
            Underlay.OnSent(sent, bytes);
        }
    }
}
