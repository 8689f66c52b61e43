using Microsoft.Extensions.Time.Testing;
using Overlay.DataPlane.Counters;
using Overlay.DataPlane.Frames;
using Overlay.DataPlane.Switching;
using static Overlay.DataPlane.Tests.Frames.TestFrames;

namespace Overlay.DataPlane.Tests.Switching;

/// <summary>
/// Topology used by most tests:
/// <code>
///   TVD red (VLAN 10):  port 1, port 2, port 3, tunnel 100, tunnel 101
///   TVD blue (VLAN 20): port 7, tunnel 200
/// </code>
/// </summary>
public sealed class TvdSwitchTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly TvdSwitch _switch;
    private readonly SwitchEndpoint[] _targets = new SwitchEndpoint[16];

    public TvdSwitchTests()
    {
        _switch = new TvdSwitch(new SwitchOptions { MacAgeing = TimeSpan.FromSeconds(300), MacTableCapacity = 8 }, _time);
        foreach (int port in new[] { 1, 2, 3 })
        {
            Assert.Equal(AttachResult.Attached, _switch.AttachPort(port, 10, "red"));
        }

        Assert.Equal(AttachResult.Attached, _switch.AttachTunnel(100, 10, "red"));
        Assert.Equal(AttachResult.Attached, _switch.AttachTunnel(101, 10, "red"));
        Assert.Equal(AttachResult.Attached, _switch.AttachPort(7, 20, "blue"));
        Assert.Equal(AttachResult.Attached, _switch.AttachTunnel(200, 20, "blue"));
    }

    [Fact]
    public void Broadcast_from_a_port_floods_its_TVD_only_and_never_back_to_the_ingress()
    {
        ForwardingDecision d = Decide(Port(1), Frame(MacAddress.Broadcast, A));
        Assert.Equal(ForwardingKind.Flood, d.Kind);
        Assert.Equal([Port(2), Port(3), Tunnel(100), Tunnel(101)], _targets[..d.Count]);
    }

    [Fact]
    public void Broadcast_from_a_tunnel_goes_to_local_ports_only()
    {
        ForwardingDecision d = Decide(Tunnel(100), Frame(MacAddress.Broadcast, A));
        Assert.Equal([Port(1), Port(2), Port(3)], _targets[..d.Count]);
    }

    [Fact]
    public void Learned_unicast_goes_to_one_endpoint_locally_or_through_a_tunnel()
    {
        Decide(Port(2), Frame(MacAddress.Broadcast, B)); // learn B behind port 2
        Decide(Tunnel(101), Frame(MacAddress.Broadcast, C)); // learn C behind tunnel 101

        ForwardingDecision toB = Decide(Port(1), Frame(B, A));
        Assert.Equal((ForwardingKind.Unicast, 1), (toB.Kind, toB.Count));
        Assert.Equal(Port(2), _targets[0]);

        ForwardingDecision toC = Decide(Port(1), Frame(C, A));
        Assert.Equal(Tunnel(101), _targets[0]);
        Assert.Equal(ForwardingKind.Unicast, toC.Kind);

        // A frame from a tunnel for a MAC behind another tunnel is not relayed (split horizon).
        Assert.Equal(ForwardingKind.Filtered, Decide(Tunnel(100), Frame(C, A)).Kind);
        // Nor sent back where the destination lives.
        Assert.Equal(ForwardingKind.Filtered, Decide(Port(2), Frame(B, C)).Kind);
    }

    [Fact]
    public void Unknown_unicast_floods_and_a_MAC_learned_in_one_TVD_is_unknown_in_another()
    {
        Decide(Port(2), Frame(MacAddress.Broadcast, B)); // B is in red
        ForwardingDecision d = Decide(Port(7), Frame(B, A)); // blue port asks for B
        Assert.Equal(ForwardingKind.Flood, d.Kind);
        Assert.Equal([Tunnel(200)], _targets[..d.Count]); // only blue's endpoints, never port 2
    }

    [Fact]
    public void Entries_age_out_and_the_frame_floods_again()
    {
        Decide(Port(2), Frame(MacAddress.Broadcast, B));
        _time.Advance(TimeSpan.FromSeconds(299));
        Assert.Equal(ForwardingKind.Unicast, Decide(Port(1), Frame(B, A)).Kind);

        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(ForwardingKind.Flood, Decide(Port(1), Frame(B, A)).Kind);
    }

    [Fact]
    public void Sweeping_removes_aged_entries()
    {
        Assert.True(_switch.TryGetSegment(10, out TvdSegment red));
        Decide(Port(2), Frame(MacAddress.Broadcast, B));
        _time.Advance(TimeSpan.FromSeconds(200));
        Decide(Port(3), Frame(MacAddress.Broadcast, C));
        _time.Advance(TimeSpan.FromSeconds(200));

        Assert.Equal(1, red.Macs.AgeOut()); // B is 400 s old, C 200 s
        Assert.Equal(1, red.Macs.Count);
    }

    [Fact]
    public void A_full_table_learns_nothing_new_counts_it_and_still_forwards()
    {
        Assert.True(_switch.TryGetSegment(10, out TvdSegment red));
        for (ulong i = 0; i < 8; i++)
        {
            Decide(Port(2), Frame(MacAddress.Broadcast, new MacAddress(0x0200_0000_1000 + i)));
        }

        ForwardingDecision d = Decide(Port(3), Frame(MacAddress.Broadcast, C));
        Assert.Equal(ForwardingKind.Flood, d.Kind);
        Assert.Equal(8, red.Macs.Count);
        Assert.Equal(1, red.Drops[DropReason.MacTableFull]);
        Assert.Equal(1, _switch.GlobalDrops[DropReason.MacTableFull]);
        Assert.Equal(ForwardingKind.Flood, Decide(Port(1), Frame(C, A)).Kind); // C was not learned

        // An existing entry can still move.
        Decide(Port(3), Frame(MacAddress.Broadcast, new MacAddress(0x0200_0000_1000)));
        Decide(Port(1), Frame(new MacAddress(0x0200_0000_1000), A));
        Assert.Equal(Port(3), _targets[0]);
    }

    [Fact]
    public void Bad_frames_and_unknown_ingress_are_dropped_and_counted()
    {
        Assert.Equal(DropReason.UnknownPort, Decide(Port(99), Frame(B, A)).Drop);
        Assert.Equal(DropReason.Runt, Decide(Port(1), new byte[13]).Drop);
        Assert.Equal(DropReason.Oversized, Decide(Port(1), new byte[1515]).Drop);
        Assert.Equal(DropReason.InvalidSourceMac, Decide(Port(1), Frame(B, MacAddress.Broadcast)).Drop);
        Assert.Equal(DropReason.BufferTooSmall, _switch.Decide(Port(1), Frame(MacAddress.Broadcast, A), _targets.AsSpan(0, 2)).Drop);
        Assert.Equal(5, _switch.GlobalDrops.Total);
    }

    [Fact]
    public void Detach_forgets_the_port_and_its_MACs()
    {
        Decide(Port(2), Frame(MacAddress.Broadcast, B));
        Assert.True(_switch.Detach(Port(2)));
        ForwardingDecision d = Decide(Port(1), Frame(B, A));
        Assert.Equal(ForwardingKind.Flood, d.Kind);
        Assert.DoesNotContain(Port(2), _targets[..d.Count]);
        Assert.Equal(DropReason.UnknownPort, Decide(Port(2), Frame(A, B)).Drop);
        Assert.False(_switch.Detach(Port(2)));
    }

    [Fact]
    public void A_MAC_learned_during_the_detach_is_forgotten_and_then_the_switch_holds_nothing_of_the_port()
    {
        Decide(Port(2), Frame(MacAddress.Broadcast, B));
        Assert.True(_switch.Holds(Port(2)));
        Assert.True(_switch.TryGetSegment(Port(2), out TvdSegment red));
        Assert.True(_switch.Detach(Port(2)));
        // A frame of port 2 already past the membership check when Detach ran learns its source after the flush.
        Assert.True(red.Macs.Learn(B.Value, Port(2)));
        Assert.True(_switch.Holds(Port(2)));

        Assert.Equal(1, _switch.Forget(Port(2)));

        Assert.False(_switch.Holds(Port(2)));
        Assert.False(red.Macs.TryLookup(B.Value, out _));
        Assert.True(_switch.Holds(Port(1)));
    }

    [Fact]
    public void Attach_binds_once_and_a_VLAN_id_keeps_its_label()
    {
        Assert.Equal(AttachResult.AlreadyAttached, _switch.AttachPort(1, 20, "blue"));
        Assert.Equal(AttachResult.LabelMismatch, _switch.AttachPort(4, 10, "green"));
        Assert.Equal(AttachResult.InvalidVlanId, _switch.AttachPort(5, 0, "x"));
        Assert.Equal(AttachResult.InvalidVlanId, _switch.AttachPort(5, 4095, "x"));
        Assert.True(_switch.TryGetSegment(Port(1), out TvdSegment segment));
        Assert.Equal(("red", 10), (segment.Label, (int)segment.VlanId));
        Assert.Equal(5, segment.MaxTargets);
    }

    [Fact]
    public void A_lone_port_has_nowhere_to_flood()
    {
        var lone = new TvdSwitch(time: _time);
        lone.AttachPort(1, 30, "green");
        Assert.Equal(ForwardingKind.Filtered, lone.Decide(Port(1), Frame(MacAddress.Broadcast, A), _targets).Kind);
    }

    private static SwitchEndpoint Port(int id) => SwitchEndpoint.Local(id);

    private static SwitchEndpoint Tunnel(int id) => SwitchEndpoint.Remote(id);

    private ForwardingDecision Decide(SwitchEndpoint ingress, byte[] frame)
    {
        Array.Clear(_targets);
        return _switch.Decide(ingress, frame, _targets);
    }
}
