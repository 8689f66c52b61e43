using Overlay.DataPlane.Capture;
using Overlay.DataPlane.Counters;

namespace Overlay.DataPlane.Switching;

/// <summary>
/// One TVD's share of the switch: its local ports, its remote tunnels and its MAC table. A frame
/// handled here can only be sent to endpoints listed here, which is what confines it to the TVD.
/// Endpoint lists are copy-on-write arrays: attach/detach is rare, the data path reads a snapshot.
/// </summary>
public sealed class TvdSegment
{
    private readonly Lock _membership = new();
    private SwitchEndpoint[] _localPorts = [];
    private SwitchEndpoint[] _remotePeers = [];
    private CaptureTap[]? _taps;

    internal TvdSegment(ushort vlanId, string label, MacTable macs, DropCounters drops)
    {
        VlanId = vlanId;
        Label = label;
        Macs = macs;
        Drops = drops;
    }

    public ushort VlanId { get; }

    public string Label { get; }

    public MacTable Macs { get; }

    /// <summary>Drops of frames that entered this TVD (also counted in the switch's global counters).</summary>
    public DropCounters Drops { get; }

    public ReadOnlySpan<SwitchEndpoint> LocalPorts => Volatile.Read(ref _localPorts);

    public ReadOnlySpan<SwitchEndpoint> RemotePeers => Volatile.Read(ref _remotePeers);

    /// <summary>The captures running on this TVD; null (the data path's one check) when none runs.</summary>
    internal CaptureTap[]? Taps => Volatile.Read(ref _taps);

    /// <summary>How many captures run on this TVD now.</summary>
    public int Captures => Volatile.Read(ref _taps)?.Length ?? 0;

    /// <summary>Most targets one decision can produce: every endpoint of the TVD.</summary>
    public int MaxTargets => LocalPorts.Length + RemotePeers.Length;

    internal void Add(SwitchEndpoint endpoint)
    {
        lock (_membership)
        {
            ref SwitchEndpoint[] list = ref endpoint.IsLocal ? ref _localPorts : ref _remotePeers;
            Volatile.Write(ref list, [.. list, endpoint]);
        }
    }

    internal void AddTap(CaptureTap tap)
    {
        lock (_membership)
        {
            Volatile.Write(ref _taps, [.. _taps ?? [], tap]);
        }
    }

    internal bool RemoveTap(CaptureTap tap)
    {
        lock (_membership)
        {
            if (_taps is not { } taps || !taps.Contains(tap))
            {
                return false;
            }

            CaptureTap[] rest = Array.FindAll(taps, t => t != tap);
            Volatile.Write(ref _taps, rest.Length == 0 ? null : rest);
            return true;
        }
    }

    internal void Remove(SwitchEndpoint endpoint)
    {
        lock (_membership)
        {
            ref SwitchEndpoint[] list = ref endpoint.IsLocal ? ref _localPorts : ref _remotePeers;
            Volatile.Write(ref list, Array.FindAll(list, e => e != endpoint));
        }

        Macs.Flush(endpoint);
    }
}
