using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Forwarding;

namespace Overlay.Daemon.DataPlaneHost;

/// <summary>A port the daemon did not attach, and why (policy denial or the interface could not be opened).</summary>
public sealed record RefusedPort(string Name, string Interface, string Guest, string Network, string Reason);

/// <summary>
/// The underlay I/O: <paramref name="Requested"/> from the config, <paramref name="Io"/> the one running,
/// <paramref name="Detail"/> how (or why the fallback), <paramref name="Xdp"/> the AF_XDP underlay's counters when it runs.
/// </summary>
public sealed record UnderlayIoState(string Requested, string Io, string Detail, Overlay.DataPlane.Io.XdpUnderlay? Xdp);

/// <summary>
/// What the data plane subsystem runs, shared between <see cref="DataPlaneService"/> (which builds it)
/// and the status section (which reads it). Null pipeline: not configured, or not started yet.
/// </summary>
public sealed class DataPlaneRuntime
{
    private readonly Lock _lock = new();
    private readonly List<RefusedPort> _refused = [];

    public DataPlanePlan? Plan { get; internal set; }

    public Pipeline? Pipeline { get; internal set; }

    /// <summary>The underlay I/O that runs ("udp" or "af_xdp") and why; null before the data plane starts.</summary>
    public UnderlayIoState? UnderlayIo { get; internal set; }

    /// <summary>How underlay datagrams reach the workers: "spi" (the steering program), else the kernel's hash and why.</summary>
    public string UnderlaySteering { get; internal set; } = "spi";

    /// <summary>Where the SA keys were exported, when debug_key_export is on and the file was written.</summary>
    public string? KeyExportPath { get; internal set; }

    public IReadOnlyList<RefusedPort> Refused
    {
        get
        {
            lock (_lock)
            {
                return [.. _refused];
            }
        }
    }

    internal void AddRefused(RefusedPort port)
    {
        lock (_lock)
        {
            _refused.Add(port);
        }
    }
}
