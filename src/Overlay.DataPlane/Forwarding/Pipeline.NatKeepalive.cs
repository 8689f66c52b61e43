using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Frames;
using Overlay.DataPlane.Io;
using Overlay.DataPlane.Pools;

namespace Overlay.DataPlane.Forwarding;

/// <summary>What <see cref="Pipeline.SendNatKeepalive"/> did.</summary>
public enum NatKeepaliveResult
{
    /// <summary>One 0xFF octet went to the peer (RFC 3948 §2.3).</summary>
    Sent,

    /// <summary>ESP went to the peer since the last call: the NAT mapping is fresh, no keepalive needed.</summary>
    TrafficSent,

    /// <summary>The pipeline is stopping or the kernel refused the datagram.</summary>
    Failed,
}

public sealed partial class Pipeline
{
    /// <summary>
    /// A NAT-keepalive to <paramref name="to"/> (RFC 3948 §2.3: one octet 0xFF in UDP from port 4500), unless
    /// ESP went there since the previous call: the caller (the key exchange, which knows this host is behind a
    /// NAT) calls once per keepalive interval, so a keepalive leaves only after a quiet interval. "ESP went
    /// there" is read from the outbound SAs' packet counters of the tunnels sending to <paramref name="to"/>,
    /// so the data path pays nothing for it. Callable from any thread; shares the IKE send slot.
    /// </summary>
    public NatKeepaliveResult SendNatKeepalive(UdpAddress to)
    {
        bool traffic = false;
        foreach (Tunnel tunnel in Volatile.Read(ref _tunnels))
        {
            if (tunnel.Address != to)
            {
                continue;
            }

            long packets = Sas.TryGetOutbound(tunnel.Peer, tunnel.VlanId, out EspSa sa) ? sa.Traffic.Packets : 0;
            if (packets != tunnel.PacketsAtKeepaliveCheck)
            {
                tunnel.PacketsAtKeepaliveCheck = packets;
                traffic = true;
            }
        }

        if (traffic)
        {
            return NatKeepaliveResult.TrafficSent;
        }

        lock (_ikeSendLock)
        {
            if (_stopping)
            {
                return NatKeepaliveResult.Failed;
            }

            _ikeSendBatch ??= new MessageBatch(1, MaxUdpPayload);
            PacketBuffer slot = _ikeSendBatch[0];
            slot.Data[0] = UdpEncapsulation.NatKeepaliveOctet;
            slot.Length = 1;
            _ikeSendBatch.SetAddress(0, to);
            if (_underlay.Send(_ikeSendBatch, 0, 1, worker: 0) != 1)
            {
                return NatKeepaliveResult.Failed;
            }
        }

        Underlay.OnKeepaliveSent();
        return NatKeepaliveResult.Sent;
    }
}
