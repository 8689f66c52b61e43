using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Frames;
using Overlay.DataPlane.Io;
using Overlay.DataPlane.Switching;

namespace Overlay.DataPlane.Forwarding;

public sealed partial class Pipeline
{
    /// <summary>Slots of the underlay receive batch when UDP GRO is on (each up to 64 KiB).</summary>
    private const int CoalescedReceiveSlots = 32;

    /// <summary>A whole GRO buffer: the kernel never coalesces more than 64 KiB.</summary>
    private const int CoalescedReceiveBufferSize = 65536 + 64;

    /// <summary>
    /// Stages 7–12 for one receive queue of the underlay: read a batch of datagrams, demultiplex, open ESP in
    /// place, switch to guests. Several of these loops run at once when the group has several queues.
    /// </summary>
    private void UnderlayReceiveLoop(int queue)
    {
        IUnderlayIo underlay = _underlay.Queues[queue];
        string name = _underlay.Queues.Count == 1 ? "underlay receive" : $"underlay receive {queue}";

        // With UDP GRO one slot may hold up to 64 KiB of datagrams: fewer, larger slots.
        using var batch = underlay.CoalescesReceive
            ? new MessageBatch(Math.Min(Options.BatchSize, CoalescedReceiveSlots), CoalescedReceiveBufferSize)
            : new MessageBatch(Options.BatchSize, Options.BufferSize);
        var targets = new SwitchEndpoint[MaxTargets];
        var touched = new TouchedPorts(MaxTargets, worker: queue);
        Workers.SetCurrent(queue);
        bool reported = false;
        while (!_stopping)
        {
            int received = underlay.Receive(batch);
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
                    OnSlot(batch, i, targets, touched);
                }
            }
            catch (Exception e)
            {
                GlobalDrops.Increment(DropReason.InternalError);
                PipelineLog.LoopError(_logger, name, e);
            }
            finally
            {
                FlushTouchedPorts(touched);
            }
        }
    }

    /// <summary>One received slot: a datagram, or several of one size when the kernel coalesced them (UDP GRO).</summary>
    private void OnSlot(MessageBatch batch, int slot, SwitchEndpoint[] targets, TouchedPorts touched)
    {
        if (batch.IsTruncated(slot))
        {
            Underlay.OnDatagram();
            GlobalDrops.Increment(DropReason.Oversized);
            return;
        }

        Span<byte> data = batch[slot].Valid;
        int size = batch.GetSegmentSize(slot);
        if (size <= 0 || size >= data.Length)
        {
            OnDatagram(data, batch, slot, targets, touched);
            return;
        }

        for (int offset = 0; offset < data.Length; offset += size)
        {
            OnDatagram(data.Slice(offset, Math.Min(size, data.Length - offset)), batch, slot, targets, touched);
        }
    }

    private void OnDatagram(Span<byte> payload, MessageBatch batch, int slot, SwitchEndpoint[] targets, TouchedPorts touched)
    {
        Underlay.OnDatagram();
        switch (UdpEncapsulation.Classify(payload))
        {
            case UdpPayloadKind.Ike:
                Underlay.OnIke();
                if (_ike is null)
                {
                    GlobalDrops.Increment(DropReason.NoIkeHandler);
                }
                else
                {
                    _ike.OnIkeDatagram(payload[UdpEncapsulation.NonEspMarkerLength..], batch.GetAddress(slot));
                }

                return;
            case UdpPayloadKind.NatKeepalive:
                Underlay.OnKeepalive();
                return;
            case UdpPayloadKind.Runt:
                GlobalDrops.Increment(DropReason.Runt);
                return;
        }

        Underlay.OnEsp();
        OnEsp(payload, batch.GetAddress(slot), targets, touched);
    }

    /// <summary>Stages 9–12 for one ESP packet (every failure below is counted where it happens).</summary>
    private void OnEsp(Span<byte> packet, UdpAddress source, SwitchEndpoint[] targets, TouchedPorts touched)
    {
        if (Sas.LookupInbound(packet, out EspSa? sa) != DropReason.None)
        {
            return;
        }

        EspHeader.TryParse(packet, out EspHeader header); // before decryption in place; the classifier saw >= 8 bytes
        uint sequenceLow = header.SequenceLow;
        if (sa!.InnerMode == InnerMode.Ip)
        {
            OnIpEsp(sa, packet, source, sequenceLow);
            return;
        }

        DropReason dropped = EtherIpTunnel.Decapsulate(sa!, packet, out Span<byte> frame, Options.Mtu);
        if (dropped != DropReason.None || frame.IsEmpty)
        {
            if (dropped == DropReason.ForeignTag)
            {
                AuditForeignTag(sa);
            }

            return; // a drop counted on the SA, or an authenticated dummy packet
        }

        Sas.OnAuthenticated(sa);
        Underlay.OnOpened();

        if (!_tunnelsByKey.TryGetValue(new TunnelKey(sa!.Descriptor.Peer, sa.TvdVlanId), out Tunnel? tunnel))
        {
            sa.Drops.Increment(DropReason.UnknownTunnel);
            return;
        }

        FollowPeer(tunnel, sa, source, sequenceLow);
        ForwardingDecision decision = Switch.Decide(SwitchEndpoint.Remote(tunnel.Id), frame, targets);
        if (decision.Kind is ForwardingKind.Drop or ForwardingKind.Filtered)
        {
            return;
        }

        GuestPort[] ports = Volatile.Read(ref _ports);
        for (int t = 0; t < decision.Count; t++)
        {
            if (targets[t].IsLocal)
            {
                DeliverFromTunnel(ports[targets[t].Id], frame, touched);
            }
        }
    }

    /// <summary>
    /// RFC 7296 §2.23 dynamic address update, for ESP: a packet that authenticated on <paramref name="sa"/> and
    /// came from another endpoint than the tunnel sends to moves every tunnel to that peer there — only when the
    /// peer is the one behind a NAT (<see cref="Tunnel.FollowsPeer"/>; a host behind a NAT never follows) and only
    /// for the newest packet of the SA (the highest sequence number so far), so a replayed or delayed older packet
    /// cannot move it back. Costs one compare per packet otherwise.
    /// </summary>
    private void FollowPeer(Tunnel tunnel, EspSa sa, UdpAddress source, uint sequenceLow)
    {
        if (source == tunnel.Address || !tunnel.FollowsPeer || !sa.IsNewest(sequenceLow))
        {
            return;
        }

        foreach (Tunnel other in Volatile.Read(ref _tunnels))
        {
            if (other.Peer.Equals(tunnel.Peer) && other.SetRemote(source))
            {
                Underlay.OnRemoteMoved();
                PipelineLog.TunnelRemoteMoved(_logger, other.PeerName, other.TvdLabel, source.ToString(), $"ESP SA 0x{sa.Spi:x8}");
            }
        }
    }

    /// <summary>
    /// Stage 12 for a frame out of a tunnel: the port may merge it with the next ones of the same TCP
    /// flow (GRO towards the guest); whatever it holds goes out when the batch ends.
    /// </summary>
    private static void DeliverFromTunnel(GuestPort to, ReadOnlySpan<byte> frame, TouchedPorts touched)
    {
        if (to.IsDetached)
        {
            return;
        }

        IGuestPortIo? own = to.CoalescingQueue(touched.Worker); // several underlay loops may send to one port at once
        int sent = own is not null && touched.Add(to) ? own.SendCoalescing(frame) : to.Io.Send(frame);
        if (sent < 0)
        {
            to.Drops.Increment(DropReason.SendFailed);
            return;
        }

        to.Sent.Add(frame.Length);
    }

    private static void FlushTouchedPorts(TouchedPorts touched)
    {
        for (int i = 0; i < touched.Count; i++)
        {
            GuestPort port = touched[i];
            if (!port.IsDetached && port.CoalescingQueue(touched.Worker)!.Flush() < 0)
            {
                port.Drops.Increment(DropReason.SendFailed);
            }
        }

        touched.Clear();
    }

    /// <summary>
    /// An authenticated frame whose VLAN tag is not its SA's TVD: the peer holds the keys yet tried to
    /// cross TVDs, which is a security event, not noise. Audited at the 1st, 2nd, 4th, 8th, … drop per
    /// SA, so a flood cannot flood the journal and the hot path logs nothing most of the time.
    /// </summary>
    private void AuditForeignTag(EspSa sa)
    {
        long count = sa.Drops[DropReason.ForeignTag];
        if ((count & (count - 1)) == 0)
        {
            PipelineLog.ForeignTagAudit(_logger, sa.Spi, sa.Descriptor.Peer.ToString(), sa.TvdVlanId, count);
        }
    }
}
