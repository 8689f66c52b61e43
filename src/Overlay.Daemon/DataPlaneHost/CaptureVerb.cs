using System.Text.Json;
using Microsoft.Extensions.Logging;
using Overlay.Daemon.Control;
using Overlay.DataPlane.Capture;
using Overlay.DataPlane.Forwarding;
using Overlay.DataPlane.Frames;
using Overlay.DataPlane.Switching;

namespace Overlay.Daemon.DataPlaneHost;

/// <summary>
/// <c>{"verb":"capture","tvd":"red"}</c> with optional <c>"port"</c> (a guest port's name) or <c>"peer"</c> (a peer
/// host's name), <c>"count"</c> (frames), <c>"seconds"</c>, <c>"snaplen"</c> (octets kept per frame): a streaming
/// verb (docs/cli.md has the lines it writes). Every property is checked here, before anything is tapped; an
/// unknown one is refused, not ignored. At most <see cref="MaxConcurrentCaptures"/> run at once.
/// </summary>
public sealed class CaptureVerb : IStreamingControlVerb
{
    /// <summary>Captures running at once; each holds one ring and one control connection.</summary>
    public const int MaxConcurrentCaptures = 4;

    /// <summary>The longest capture one request may ask for (a day); without count or seconds it runs until the client leaves.</summary>
    public const int MaxSeconds = 86_400;

    public const int MinSnapLength = 64;

    private static readonly string[] Known = ["verb", "tvd", "port", "peer", "count", "seconds", "snaplen"];

    private readonly DataPlaneRuntime _runtime;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private int _running;

    public CaptureVerb(DataPlaneRuntime runtime, TimeProvider time, ILogger<CaptureVerb> logger)
    {
        _logger = logger;
        _runtime = runtime;
        _time = time;
    }

    public string Name => "capture";

    /// <summary>Captures running now.</summary>
    public int Running => Volatile.Read(ref _running);

    public IControlStream Open(JsonElement request)
    {
        foreach (JsonProperty property in request.EnumerateObject())
        {
            if (Array.IndexOf(Known, property.Name) < 0)
            {
                throw new ControlRequestException($"capture: unknown property \"{property.Name}\" (known: {string.Join(", ", Known[1..])})");
            }
        }

        Pipeline pipeline = _runtime.Pipeline is { IsRunning: true } running
            ? running
            : throw new ControlRequestException("capture: the data plane is not running (no [dataplane] section, or it has not started)");
        string tvd = Text(request, "tvd") ?? throw new ControlRequestException("capture needs \"tvd\": the TVD whose frames to capture, e.g. \"red\"");
        (ushort vlan, string label) = FindTvd(pipeline, tvd);
        string? port = Text(request, "port");
        string? peer = Text(request, "peer");
        if (port is not null && peer is not null)
        {
            throw new ControlRequestException("capture: give \"port\" or \"peer\", not both");
        }

        SwitchEndpoint? only = port is not null ? FindPort(pipeline, vlan, label, port)
            : peer is not null ? FindPeer(pipeline, vlan, label, peer) : null;
        int maxFrame = EthernetFrame.HeaderLength + pipeline.Options.Mtu;
        var limits = new CaptureLimits(
            Count: Integer(request, "count", 1, int.MaxValue),
            Seconds: Integer(request, "seconds", 1, MaxSeconds),
            SnapLength: Integer(request, "snaplen", MinSnapLength, maxFrame) ?? maxFrame);

        if (Interlocked.Increment(ref _running) > MaxConcurrentCaptures)
        {
            Interlocked.Decrement(ref _running);
            throw new ControlRequestException($"capture: {MaxConcurrentCaptures} captures are already running; try again when one ends");
        }

        var filter = port is not null ? $"port {port}" : peer is not null ? $"peer {peer}" : null;
        return new CaptureStream(pipeline, vlan, label, filter, only, limits, _time, _logger, () => Interlocked.Decrement(ref _running));
    }

    /// <summary>"red" or "tvd:red": the TVD of an attached port or tunnel, by its label.</summary>
    private static (ushort Vlan, string Label) FindTvd(Pipeline pipeline, string tvd)
    {
        string label = tvd.StartsWith("tvd:", StringComparison.Ordinal) ? tvd : $"tvd:{tvd}";
        foreach (GuestPort p in pipeline.Ports)
        {
            if (p.TvdLabel == label)
            {
                return (p.VlanId, label);
            }
        }

        foreach (Tunnel t in pipeline.Tunnels)
        {
            if (t.TvdLabel == label)
            {
                return (t.VlanId, label);
            }
        }

        string known = string.Join(", ", pipeline.Ports.Select(p => p.TvdLabel).Concat(pipeline.Tunnels.Select(t => t.TvdLabel))
            .Distinct().Order().Select(l => l.StartsWith("tvd:", StringComparison.Ordinal) ? l[4..] : l));
        throw new ControlRequestException($"capture: TVD '{tvd}' has no port or tunnel on this host (TVDs here: {(known.Length == 0 ? "none" : known)})");
    }

    private static SwitchEndpoint FindPort(Pipeline pipeline, ushort vlan, string label, string name)
    {
        GuestPort? port = pipeline.Ports.FirstOrDefault(p => p.Name == name);
        if (port is null)
        {
            throw new ControlRequestException($"capture: no attached port '{name}' (ports of {label}: {List(pipeline.Ports.Where(p => p.VlanId == vlan).Select(p => p.Name))})");
        }

        return port.VlanId == vlan
            ? SwitchEndpoint.Local(port.Id)
            : throw new ControlRequestException($"capture: port '{name}' is on {port.TvdLabel}, not {label}");
    }

    private static SwitchEndpoint FindPeer(Pipeline pipeline, ushort vlan, string label, string name)
    {
        Tunnel? tunnel = pipeline.Tunnels.FirstOrDefault(t => t.PeerName == name && t.VlanId == vlan);
        return tunnel is not null
            ? SwitchEndpoint.Remote(tunnel.Id)
            : throw new ControlRequestException($"capture: no tunnel to peer '{name}' carries {label} (peers of {label}: {List(pipeline.Tunnels.Where(t => t.VlanId == vlan).Select(t => t.PeerName))})");
    }

    private static string List(IEnumerable<string> names)
    {
        string list = string.Join(", ", names.Distinct().Order());
        return list.Length == 0 ? "none" : list;
    }

    private static string? Text(JsonElement request, string property)
    {
        if (!request.TryGetProperty(property, out JsonElement value))
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 and <= 256 } text
            ? text
            : throw new ControlRequestException($"capture: \"{property}\" must be a non-empty string of at most 256 characters");
    }

    private static int? Integer(JsonElement request, string property, int min, int max)
    {
        if (!request.TryGetProperty(property, out JsonElement value))
        {
            return null;
        }

        // tvdctl sends every argument as a string; a number is accepted too.
        bool parsed = value.ValueKind switch
        {
            JsonValueKind.Number => value.TryGetInt64(out long n) && n >= min && n <= max,
            JsonValueKind.String => long.TryParse(value.GetString(), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out long s) && s >= min && s <= max,
            _ => false,
        };
        if (!parsed)
        {
            throw new ControlRequestException($"capture: \"{property}\" must be a whole number in {min}..{max}");
        }

        return value.ValueKind == JsonValueKind.Number
            ? value.GetInt32()
            : int.Parse(value.GetString()!, System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>When a capture ends by itself, and what it keeps of each frame.</summary>
public readonly record struct CaptureLimits(int? Count, int? Seconds, int SnapLength);
