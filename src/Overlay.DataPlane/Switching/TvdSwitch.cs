using System.Collections.Concurrent;
using Overlay.DataPlane.Capture;
using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Frames;

namespace Overlay.DataPlane.Switching;

/// <summary>Outcome of attaching a port or tunnel to a TVD.</summary>
public enum AttachResult
{
    Attached,
    AlreadyAttached,
    InvalidVlanId,

    /// <summary>The VLAN id already belongs to a TVD with another label.</summary>
    LabelMismatch,
}

/// <summary>
/// The per-TVD learning switch of one host. Each local port and each remote tunnel is bound to
/// exactly one TVD when attached (the caller obtained that TVD from the policy engine: binding-time
/// enforcement); a frame is then switched only among the endpoints of its ingress's TVD.
/// <list type="bullet">
/// <item>known unicast → the one endpoint that learned the destination (a local port is delivered in
/// the clear, a tunnel is sealed);</item>
/// <item>broadcast, multicast, unknown unicast → flood to the TVD's local ports except the ingress,
/// plus the TVD's tunnels when the frame came from a local port (split horizon: a frame from a
/// tunnel never goes back into a tunnel, which keeps the full mesh loop-free).</item>
/// </list>
/// <see cref="Decide"/> writes targets into a caller span and allocates nothing.
/// </summary>
public sealed class TvdSwitch
{
    private readonly ConcurrentDictionary<ushort, TvdSegment> _segments = new();
    private readonly ConcurrentDictionary<SwitchEndpoint, TvdSegment> _membership = new();
    private readonly Lock _attachLock = new();
    private readonly TimeProvider _time;

    public TvdSwitch(SwitchOptions? options = null, TimeProvider? time = null, DropCounters? globalDrops = null)
    {
        Options = options ?? new SwitchOptions();
        _time = time ?? TimeProvider.System;
        GlobalDrops = globalDrops ?? new DropCounters();
    }

    public SwitchOptions Options { get; }

    /// <summary>All switch drops, including frames from endpoints that are not attached.</summary>
    public DropCounters GlobalDrops { get; }

    /// <summary>Binds a local guest port to one TVD.</summary>
    public AttachResult AttachPort(int portId, ushort vlanId, string label) =>
        Attach(SwitchEndpoint.Local(portId), vlanId, label);

    /// <summary>Binds a (peer, TVD) tunnel to its TVD.</summary>
    public AttachResult AttachTunnel(int tunnelId, ushort vlanId, string label) =>
        Attach(SwitchEndpoint.Remote(tunnelId), vlanId, label);

    /// <summary>Detaches a port or tunnel and forgets the MACs learned behind it.</summary>
    public bool Detach(SwitchEndpoint endpoint)
    {
        lock (_attachLock)
        {
            if (!_membership.TryRemove(endpoint, out TvdSegment? segment))
            {
                return false;
            }

            segment.Remove(endpoint);
            return true;
        }
    }

    /// <summary>
    /// Removes every MAC entry that still points at a detached <paramref name="endpoint"/>, in every TVD. A frame
    /// that entered at the endpoint while it was being detached can have re-learned its source after
    /// <see cref="Detach"/> flushed; once the endpoint's ingress has stopped (its receive loop ended) nothing
    /// learns there any more, and this leaves the switch with no state for it. Returns the entries removed.
    /// </summary>
    public int Forget(SwitchEndpoint endpoint)
    {
        int removed = 0;
        foreach (TvdSegment segment in _segments.Values)
        {
            removed += segment.Macs.Flush(endpoint);
        }

        return removed;
    }

    /// <summary>
    /// True while the switch knows <paramref name="endpoint"/> in any way: bound to a TVD, listed by a TVD,
    /// or the target of a MAC entry. An id may be given to another port only when this is false.
    /// </summary>
    public bool Holds(SwitchEndpoint endpoint)
    {
        if (_membership.ContainsKey(endpoint))
        {
            return true;
        }

        foreach (TvdSegment segment in _segments.Values)
        {
            ReadOnlySpan<SwitchEndpoint> listed = endpoint.IsLocal ? segment.LocalPorts : segment.RemotePeers;
            if (listed.Contains(endpoint) || segment.Macs.CountAt(endpoint) > 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The TVD an endpoint is bound to, if attached.</summary>
    public bool TryGetSegment(SwitchEndpoint endpoint, out TvdSegment segment) =>
        _membership.TryGetValue(endpoint, out segment!);

    public bool TryGetSegment(ushort vlanId, out TvdSegment segment) => _segments.TryGetValue(vlanId, out segment!);

    /// <summary>
    /// Starts offering every frame TVD <paramref name="vlanId"/>'s segment forwards to <paramref name="tap"/>. False
    /// when no port or tunnel of that TVD was ever attached here (there is no segment to tap).
    /// </summary>
    public bool AddTap(ushort vlanId, CaptureTap tap)
    {
        ArgumentNullException.ThrowIfNull(tap);
        if (!_segments.TryGetValue(vlanId, out TvdSegment? segment))
        {
            return false;
        }

        segment.AddTap(tap);
        return true;
    }

    /// <summary>Stops offering frames to <paramref name="tap"/>; a frame being offered right now may still land in its ring.</summary>
    public bool RemoveTap(ushort vlanId, CaptureTap tap) =>
        _segments.TryGetValue(vlanId, out TvdSegment? segment) && segment.RemoveTap(tap);

    /// <summary>
    /// Decides where a frame entering at <paramref name="ingress"/> goes, learning its source MAC.
    /// Targets are written to <paramref name="targets"/> (size it with <see cref="TvdSegment.MaxTargets"/>).
    /// A frame forwarded to at least one target is offered to the TVD's captures, if any run (else one null check).
    /// </summary>
    public ForwardingDecision Decide(SwitchEndpoint ingress, ReadOnlySpan<byte> frame, Span<SwitchEndpoint> targets)
    {
        if (!_membership.TryGetValue(ingress, out TvdSegment? segment))
        {
            return Drop(GlobalDrops, DropReason.UnknownPort);
        }

        ForwardingDecision decision = Forward(segment, ingress, frame, targets);
        if (segment.Taps is { } taps && decision.Count > 0)
        {
            foreach (CaptureTap tap in taps)
            {
                tap.Offer(_time, ingress, targets[..decision.Count], frame); // the clock is read only for a frame a ring keeps
            }
        }

        return decision;
    }

    private ForwardingDecision Forward(TvdSegment segment, SwitchEndpoint ingress, ReadOnlySpan<byte> frame, Span<SwitchEndpoint> targets)
    {
        DropReason check = EthernetFrame.Check(frame, Options.Mtu);
        if (check != DropReason.None)
        {
            return Drop(segment.Drops, check);
        }

        MacAddress source = EthernetFrame.Source(frame);
        if (source.IsGroup)
        {
            return Drop(segment.Drops, DropReason.InvalidSourceMac);
        }

        MacAddress destination = EthernetFrame.Destination(frame);
        bool learned = segment.Macs.LearnAndLookup(
            source.Value, ingress, destination.IsGroup ? null : destination.Value, out bool found, out SwitchEndpoint known);
        if (!learned)
        {
            segment.Drops.Increment(DropReason.MacTableFull); // counted, frame still forwarded
        }

        if (found)
        {
            if (known == ingress || (!ingress.IsLocal && !known.IsLocal))
            {
                return ForwardingDecision.Filtered;
            }

            if (targets.IsEmpty)
            {
                return Drop(segment.Drops, DropReason.BufferTooSmall);
            }

            targets[0] = known;
            return new ForwardingDecision(ForwardingKind.Unicast, 1, DropReason.None);
        }

        return Flood(segment, ingress, targets);
    }

    private static ForwardingDecision Flood(TvdSegment segment, SwitchEndpoint ingress, Span<SwitchEndpoint> targets)
    {
        ReadOnlySpan<SwitchEndpoint> locals = segment.LocalPorts;
        ReadOnlySpan<SwitchEndpoint> remotes = ingress.IsLocal ? segment.RemotePeers : default;
        int count = 0;
        foreach (SwitchEndpoint port in locals)
        {
            if (port == ingress)
            {
                continue;
            }

            if (count == targets.Length)
            {
                return Drop(segment.Drops, DropReason.BufferTooSmall);
            }

            targets[count++] = port;
        }

        if (count + remotes.Length > targets.Length)
        {
            return Drop(segment.Drops, DropReason.BufferTooSmall);
        }

        remotes.CopyTo(targets[count..]);
        count += remotes.Length;
        return count == 0 ? ForwardingDecision.Filtered : new ForwardingDecision(ForwardingKind.Flood, count, DropReason.None);
    }

    private AttachResult Attach(SwitchEndpoint endpoint, ushort vlanId, string label)
    {
        if (vlanId is < VlanTag.MinVid or > VlanTag.MaxVid || string.IsNullOrWhiteSpace(label))
        {
            return AttachResult.InvalidVlanId;
        }

        lock (_attachLock)
        {
            if (_membership.ContainsKey(endpoint))
            {
                return AttachResult.AlreadyAttached;
            }

            TvdSegment segment = _segments.GetOrAdd(vlanId, id => new TvdSegment(
                id, label, new MacTable(Options.MacTableCapacity, Options.MacAgeing, _time), new DropCounters(GlobalDrops)));
            if (segment.Label != label)
            {
                return AttachResult.LabelMismatch;
            }

            segment.Add(endpoint);
            _membership[endpoint] = segment;
            return AttachResult.Attached;
        }
    }

    private static ForwardingDecision Drop(DropCounters counters, DropReason reason)
    {
        counters.Increment(reason);
        return ForwardingDecision.Dropped(reason);
    }
}
