using Microsoft.Extensions.Logging;
using Overlay.Daemon.Policy;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Forwarding;
using Overlay.DataPlane.Interop;
using Overlay.DataPlane.Io;
using Overlay.Labels.Compiled;

namespace Overlay.Daemon.DataPlaneHost;

/// <summary>
/// Guest ports added and removed while the daemon runs (the vNICs of guests it starts): the counterpart of
/// <c>[[dataplane.port]]</c> for ports that come and go. The guest manager has already bound the guest to the
/// network (STE, at define time), so this only looks up the network's TVD and opens the interface with
/// AF_PACKET (a TAP or a veth end). Returns a problem instead of throwing: a port that cannot be attached is
/// logged and shown, and the daemon runs on.
/// </summary>
public sealed class RuntimePorts
{
    private readonly DataPlaneRuntime _runtime;
    private readonly PolicyStore _policy;
    private readonly ILogger<RuntimePorts> _logger;

    public RuntimePorts(DataPlaneRuntime runtime, PolicyStore policy, ILogger<RuntimePorts> logger)
    {
        _runtime = runtime;
        _policy = policy;
        _logger = logger;
    }

    /// <summary>True when a data plane runs, so ports can be attached.</summary>
    public bool Available => _runtime.Pipeline is { IsRunning: true };

    public bool IsAttached(string port) => _runtime.Pipeline?.Ports.Any(p => p.Name == port) ?? false;

    /// <summary>Attaches <paramref name="interfaceName"/> as port <paramref name="port"/> of the TVD of <paramref name="network"/>; null when done.</summary>
    public string? Attach(string port, string interfaceName, string guest, string network)
    {
        if (_runtime.Pipeline is not { IsRunning: true } pipeline)
        {
            return "no data plane runs (no [dataplane] in the config)";
        }

        CompiledTvd? tvd = _policy.Engine.Policy.FindResource(network)?.Tvd;
        if (tvd is null)
        {
            return $"network '{network}' belongs to no TVD of the policy";
        }

        IGuestPortIo io;
        try
        {
            io = PacketPorts.Open(port, interfaceName, pipeline.Options, _logger);
        }
        catch (NativeSocketException e)
        {
            DataPlaneLog.PortFailed(_logger, port, interfaceName, e.Message);
            return e.Message;
        }

        try
        {
            pipeline.AttachPort(port, io, (ushort)tvd.VlanId, tvd.WireLabel, guest, network);
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            io.Dispose();
            DataPlaneLog.PortFailed(_logger, port, interfaceName, e.Message);
            return e.Message;
        }

        DataPlaneLog.PortIoChosen(_logger, port, interfaceName, "af_packet", $"runtime port of guest {guest}, tvd {tvd.Name}");
        return null;
    }

    /// <summary>Detaches the port if it is attached; completes once its socket is closed.</summary>
    public Task<bool> DetachAsync(string port) =>
        _runtime.Pipeline is { } pipeline ? pipeline.DetachPortAsync(port) : Task.FromResult(false);
}
