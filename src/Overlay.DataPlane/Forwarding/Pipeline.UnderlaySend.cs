using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Io;
using Overlay.DataPlane.Pools;

namespace Overlay.DataPlane.Forwarding;

public sealed partial class Pipeline
{
    /// <summary>
    /// Stages 4–5 for one frame (or, in mode ip, a bare IP packet) bound for tunnel
    /// <paramref name="tunnelId"/>: find its outbound SA and seal into the next free slot of the calling
    /// loop's batch, sending the batch first when it is full. Several port loops seal concurrently:
    /// each has its own batch, and an SA's sequence numbers and cipher contexts are thread-safe, so the
    /// order on the wire may differ slightly from the sequence order (the peer's replay window takes it).
    /// </summary>
    private void SealForTunnel(int tunnelId, ReadOnlySpan<byte> frame, SealedBatch sealedBatch)
    {
        if (sealedBatch.IsFull)
        {
            SendSealed(sealedBatch);
        }

        Tunnel tunnel = Volatile.Read(ref _tunnels)[tunnelId];
        if (!Sas.TryGetOutbound(tunnel.Peer, tunnel.VlanId, out EspSa sa))
        {
            GlobalDrops.Increment(DropReason.NoOutboundSa);
            return;
        }

        int slot = sealedBatch.Count;
        PacketBuffer packet = sealedBatch.Batch[slot];
        if (sa.InnerMode == InnerMode.Ip)
        {
            if (SealIpInto(sa, frame, packet) == 0)
            {
                return;
            }
        }
        else if (EtherIpTunnel.Encapsulate(sa, frame, packet.Data, out int written, Options.Mtu) == DropReason.None)
        {
            packet.Length = written;
        }
        else
        {
            return; // counted on the SA
        }

        sealedBatch.Batch.SetAddress(slot, tunnel.Address);
        sealedBatch.Count++;
    }

    /// <summary>Stage 6: sendmmsg until every sealed slot went out; a slot the kernel refuses is counted and skipped.</summary>
    private void SendSealed(SealedBatch sealedBatch)
    {
        MessageBatch batch = sealedBatch.Batch;
        int count = sealedBatch.Count;
        sealedBatch.Count = 0;
        int start = 0;
        int sent = 0;
        long bytes = 0;
        while (start < count)
        {
            int result = _underlay.Send(batch, start, count - start, sealedBatch.Worker);
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
