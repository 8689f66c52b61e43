using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Forwarding;
using Overlay.DataPlane.Frames;
using Overlay.DataPlane.Io;
using Overlay.DataPlane.Sa;
using Overlay.DataPlane.Switching;

namespace Overlay.DataPlane.Esp;

public sealed partial class Pipeline
{
    /// <summary>Stages 7–12: read a batch of datagrams, demultiplex, open ESP in place, switch to guests.</summary>
    private void UnderlayReceiveLoop()
    {
        using var batch = new MessageBatch(Options.BatchSize, Options.BufferSize);
        var targets = new SwitchEndpoint[MaxTargets];
        bool reported = false;
        while (!_stopping)
        {
            int received = _underlay.Receive(batch);
            if (received < 0)
            {
                OnReceiveError("underlay receive", received, ref reported);
                continue;
            }

            reported = false;
            try
            {
                for (int i = 0; i < received; i++)
                {
                    OnDatagram(batch, i, targets);
                }
            }
            catch (Exception e)
            {
                GlobalDrops.Increment(DropReason.InternalError);
                PipelineLog.LoopError(_logger, "underlay receive", e);
            }
        }
    }

    private void OnDatagram(MessageBatch batch, int slot, SwitchEndpoint[] targets)
    {
        Underlay.OnDatagram();
        if (batch.IsTruncated(slot))
        {
            GlobalDrops.Increment(DropReason.Oversized);
            return;
        }

        Span<byte> payload = batch[slot].Valid;
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
                    _ike.OnIkeDatagram(payload[EspConstants.NonEspMarkerSize..], batch.GetAddress(slot));
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
        OnEsp(payload, targets);
    }

    /// <summary>Stages 9–12 for one ESP packet (every failure below is counted where it happens).</summary>
    private void OnEsp(Span<byte> packet, SwitchEndpoint[] targets)
    {
        if (Sas.LookupInbound(packet, out EspSa? sa) != DropReason.None)
        {
            return;
        }

        if (sa!.InnerMode == InnerMode.Ip)
        {
            OnIpEsp(sa, packet);
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

        if (!_tunnelsByKey.TryGetValue(new TunnelKey(sa!.Descriptor.Peer, sa.TvdVlanId), out Tunnel? tunnel))
        {
            sa.Drops.Increment(DropReason.UnknownTunnel);
            return;
        }

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
                DeliverToGuest(ports[targets[t].Id], frame);
            }
        }
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
