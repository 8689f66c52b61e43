using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Overlay.Daemon.Configuration;
using Overlay.Daemon.Policy;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Forwarding;
using Overlay.DataPlane.Interop;
using Overlay.DataPlane.Io;
using Overlay.DataPlane.Sa;
using Overlay.Labels.Compiled;
using Overlay.Labels.Decisions;
using Overlay.Labels.Engine;

namespace Overlay.Daemon.DataPlaneHost;

/// <summary>
/// The data plane subsystem: opens the underlay socket, installs the static SAs the policy lets join
/// (<see cref="StaticBindings"/>: carriage and attestation, audited; a denied tunnel is not installed), attaches
/// every static port the policy allows (its guest started here — host authorization and the Chinese Wall — and
/// bound to its network by STE, all audited; a denial refuses the port and is logged), optionally exports the keys
/// for Wireshark, then runs the <see cref="Pipeline"/>. Every committed reload asks again: a static tunnel or port
/// the new version no longer allows is removed at once, logged and audited (a reload never installs one: a static
/// SA's key must not restart its sequence, so what a reload revoked returns with a restart). Start-up happens in
/// <see cref="StartAsync"/> so that readiness (READY=1, the control socket) means "forwarding". A socket that
/// cannot be opened fails the start (exit 1); a port that cannot be opened is refused.
/// </summary>
public sealed class DataPlaneService : BackgroundService
{
    private readonly DaemonConfig _config;
    private readonly PolicyStore _policy;
    private readonly DataPlaneRuntime _runtime;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger<DataPlaneService> _logger;
    private readonly Lock _staticGate = new();
    private readonly List<StaticTunnel> _installed = [];
    private readonly List<PortConfig> _attached = [];
    private StaticBindings? _static;

    private readonly IkeHost.NatTraversalBridge? _ike;
    private readonly StaticSequenceState _sequences;

    public DataPlaneService(DaemonConfig config, PolicyStore policy, DataPlaneRuntime runtime, TimeProvider time, ILoggerFactory loggers,
        StaticSequenceState sequences, IkeHost.NatTraversalBridge? ike = null)
    {
        _ike = ike;
        _sequences = sequences;
        _config = config;
        _policy = policy;
        _runtime = runtime;
        _time = time;
        _loggers = loggers;
        _logger = loggers.CreateLogger<DataPlaneService>();
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (_config.DataPlane is not { } dataPlane)
        {
            DataPlaneLog.NotConfigured(_logger, _config.ConfigFile);
            return Task.CompletedTask;
        }

        var errors = new List<ConfigError>();
        DataPlanePlan plan = DataPlaneBinder.Bind(dataPlane, _policy.Engine.Policy, errors)
            ?? throw new InvalidOperationException(string.Join(Environment.NewLine, errors)); // Program.cs checked this already
        _static = new StaticBindings(_policy.Engine, _policy.HostName, _time);
        plan = plan with { Sas = Admitted(plan) };
        _runtime.Plan = plan;

        var options = new PipelineOptions { Mtu = dataPlane.Mtu, Workers = dataPlane.Workers };
        var sas = new SaTable(_time);
        var pipeline = new Pipeline(OpenUnderlay(dataPlane, options), sas, options, _ike, _loggers.CreateLogger<Pipeline>(), _time);
        _runtime.Pipeline = pipeline;
        _ike?.AttachPipeline(pipeline);

        InstallSas(plan, pipeline);
        AttachPorts(dataPlane, pipeline, options);
        ExportKeys(plan, dataPlane);
        _sequences.Start();
        pipeline.Start();
        _policy.Committed += OnPolicyCommitted;
        return base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.CompletedTask;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _policy.Committed -= OnPolicyCommitted;
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (_runtime.Pipeline is { } pipeline)
        {
            await pipeline.StopAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            pipeline.Sas.Dispose();
        }

        lock (_staticGate)
        {
            _static?.Release(_attached);
            _attached.Clear();
        }
    }

    /// <summary>The plan's tunnels the policy lets join (each asked once, audited); the others are logged, not installed.</summary>
    private List<BoundSa> Admitted(DataPlanePlan plan)
    {
        var admitted = new List<BoundSa>();
        foreach (StaticTunnel tunnel in StaticBindings.Tunnels(plan))
        {
            Decision decision = _static!.Admit(tunnel);
            if (decision.Allowed)
            {
                _installed.Add(tunnel);
                admitted.AddRange(tunnel.Sas);
                continue;
            }

            foreach (BoundSa sa in tunnel.Sas)
            {
                DataPlaneLog.SaDenied(_logger, $"0x{sa.Descriptor.Spi:x8}", Direction(sa.Descriptor), tunnel.Peer, tunnel.TvdName, decision.ToString());
            }
        }

        return admitted;
    }

    /// <summary>A committed reload: every static tunnel and port asked again; what the new version denies goes now.</summary>
    private void OnPolicyCommitted(LoadedPolicy committed)
    {
        if (_runtime.Pipeline is not { } pipeline || _static is not { } bindings)
        {
            return;
        }

        lock (_staticGate)
        {
            foreach (StaticTunnel tunnel in _installed.ToList())
            {
                if (bindings.Revoked(tunnel) is not { } denial)
                {
                    continue;
                }

                _installed.Remove(tunnel);
                foreach (BoundSa sa in tunnel.Sas)
                {
                    SaDescriptor d = sa.Descriptor;
                    pipeline.Remove(d.Direction == SaDirection.Inbound ? d.Spi : 0, d.Direction == SaDirection.Outbound ? d.Spi : 0, SaRemoval.Now);
                    DataPlaneLog.SaRevoked(_logger, $"0x{d.Spi:x8}", Direction(d), tunnel.Peer, tunnel.TvdName, committed.Policy.Version, denial.ToString());
                }
            }

            EngineSnapshot snapshot = _policy.Engine.Snapshot();
            foreach (PortConfig port in _attached.ToList())
            {
                if (bindings.RevokedPort(port, snapshot) is not { } reason)
                {
                    continue;
                }

                _attached.Remove(port);
                pipeline.DetachPortAsync(port.Name).GetAwaiter().GetResult();
                Refuse(port, "revoked: " + reason);
                DataPlaneLog.PortRevoked(_logger, port.Name, port.Interface, port.Guest, port.Network, reason);
            }
        }
    }

    private static string Direction(SaDescriptor d) => d.Direction == SaDirection.Outbound ? "out" : "in";

    private void InstallSas(DataPlanePlan plan, Pipeline pipeline)
    {
        foreach (BoundSa sa in plan.Sas)
        {
            // A static outbound SA continues its sequence numbers above every earlier run's (StaticSequenceState).
            SaDescriptor d = _sequences.Attach(sa.Descriptor);
            TunnelKeyingResult result = pipeline.Install(new TunnelKeying(sa.Peer.Name, [d],
                [.. sa.Config.LocalTs.Select(p => new AddressRange(p.First, p.Last))], [.. sa.Config.RemoteTs.Select(p => new AddressRange(p.First, p.Last))]));
            string direction = d.Direction == SaDirection.Outbound ? "out" : "in";
            if (result.Installed)
            {
                DataPlaneLog.SaInstalled(_logger, $"0x{d.Spi:x8}", direction, sa.Peer.Name, sa.Tvd.Name, d.TvdVlanId);
                if (d.InnerMode == InnerMode.Ip)
                {
                    DataPlaneLog.SaRoutes(_logger, $"0x{d.Spi:x8}", sa.Tvd.Name, string.Join(", ", sa.Config.RemoteTs),
                        string.Join(", ", sa.Config.LocalTs), sa.Peer.Name);
                }
            }
            else
            {
                DataPlaneLog.SaRefused(_logger, $"0x{d.Spi:x8}", direction, sa.Peer.Name, result.Problem ?? "refused");
            }
        }
    }

    private void AttachPorts(DataPlaneConfig dataPlane, Pipeline pipeline, PipelineOptions options)
    {
        foreach (PortConfig port in dataPlane.Ports)
        {
            Decision decision = _static!.AdmitPort(port);
            CompiledTvd? tvd = decision.Resource?.Tvd;
            if (!decision.Allowed || tvd is null)
            {
                string reason = decision.Allowed ? $"network '{port.Network}' belongs to no TVD" : decision.ToString();
                Refuse(port, reason);
                DataPlaneLog.PortDenied(_logger, port.Name, port.Interface, port.Guest, port.Network, reason);
                continue;
            }

            lock (_staticGate)
            {
                _attached.Add(port);
            }

            try
            {
                IGuestPortIo io = OpenPortIo(port, options);
                pipeline.AttachPort(port.Name, io, (ushort)tvd.VlanId, tvd.WireLabel, port.Guest, port.Network);
            }
            catch (NativeSocketException e)
            {
                Refuse(port, e.Message);
                DataPlaneLog.PortFailed(_logger, port.Name, port.Interface, e.Message);
            }
        }
    }

    /// <summary>
    /// AF_PACKET with offloads unless the config says af_xdp (see docs/daemon.md for why): it takes any
    /// guest, including one with TSO/GSO and checksum offload on. AF_XDP, when asked for, needs a guest
    /// that hands over finished frames; if it cannot be set up, AF_PACKET takes over, logged.
    /// </summary>
    private IGuestPortIo OpenPortIo(PortConfig port, PipelineOptions options)
    {
        if (port.Io == PortIo.AfXdp)
        {
            try
            {
                XdpGuestPort xdp = XdpGuestPort.Open(port.Interface, options.ReceiveTimeout);
                DataPlaneLog.PortIoChosen(_logger, port.Name, port.Interface, "af_xdp", $"AF_XDP copy mode, {xdp.Mode} XDP");
                return xdp;
            }
            catch (NativeSocketException e)
            {
                DataPlaneLog.XdpFallback(_logger, port.Name, port.Interface, e.Message);
            }
        }

        IGuestPortIo packet = PacketPorts.Open(port.Name, port.Interface, options, _logger);
        DataPlaneLog.PortIoChosen(_logger, port.Name, port.Interface, "af_packet",
            port.Io == PortIo.AfXdp ? "fallback, guest offloads handled" : "guest offloads handled (PACKET_VNET_HDR)");
        return packet;
    }

    /// <summary>
    /// The underlay: per underlay address (a dual-stack host has an IPv4 and an IPv6 one), <c>workers</c> UDP sockets
    /// in one SO_REUSEPORT group, datagrams steered to them by SPI (so each SA is opened by one worker; a refused
    /// steering program leaves the kernel's 4-tuple hash, logged), or, with <c>underlay_io = "af_xdp"</c>, the AF_XDP
    /// queues of the interface holding the IPv4 underlay address (one per RX queue) in front of that family's sockets,
    /// which keep what the XDP program passes and the sends AF_XDP cannot make (AF_XDP handles IPv4 only: IPv6 sockets
    /// stay as they are). An AF_XDP setup failure leaves the UDP sockets alone, logged and shown in status.
    /// </summary>
    private UnderlayGroup OpenUnderlay(DataPlaneConfig dataPlane, PipelineOptions options)
    {
        var groups = new List<UdpSocketGroup>();
        try
        {
            foreach (System.Net.IPAddress address in dataPlane.Underlays)
            {
                groups.Add(UdpUnderlaySocket.OpenGroup(address, dataPlane.Port, options.Workers, options.ReceiveTimeout, segmentation: true));
            }
        }
        catch
        {
            groups.SelectMany(g => g.Sockets).ToList().ForEach(s => s.Dispose());
            throw;
        }

        foreach (UdpSocketGroup group in groups.Where(g => g.SteeringProblem is not null))
        {
            DataPlaneLog.SteeringRefused(_logger, group.SteeringProblem!);
            _runtime.UnderlaySteering = $"4-tuple hash ({group.SteeringProblem})";
        }

        if (options.Workers > 1)
        {
            DataPlaneLog.WorkersStarted(_logger, options.Workers, string.Join(", ", groups.Select(g => g.Sockets[0].Local)), _runtime.UnderlaySteering);
        }

        List<IUnderlayIo> all = [.. groups.SelectMany(g => g.Sockets)];
        string requested = dataPlane.UnderlayIo == UnderlayIo.AfXdp ? "af_xdp" : "udp";
        if (dataPlane.UnderlayIo == UnderlayIo.AfXdp)
        {
            try
            {
                UdpSocketGroup ipv4 = groups.FirstOrDefault(g => !g.Sockets[0].Local.IsIPv6)
                    ?? throw new InvalidOperationException("the AF_XDP underlay handles IPv4 only and this host has no IPv4 underlay address");
                XdpUnderlay xdp = XdpUnderlay.Open(ipv4.Sockets, options.ReceiveTimeout);
                _runtime.UnderlayIo = new UnderlayIoState(requested, "af_xdp", xdp.Describe(), xdp);
                DataPlaneLog.UnderlayIoChosen(_logger, "af_xdp", xdp.Describe());
                return new UnderlayGroup([.. xdp.Queues, .. ipv4.Sockets.Skip(1), .. groups.Where(g => g != ipv4).SelectMany(g => g.Sockets)]);
            }
            catch (Exception e) when (e is NativeSocketException or InvalidOperationException or IOException or System.Net.NetworkInformation.NetworkInformationException)
            {
                DataPlaneLog.XdpUnderlayFallback(_logger, e.Message);
                _runtime.UnderlayIo = new UnderlayIoState(requested, "udp", $"fallback: {e.Message}", null);
                return new UnderlayGroup(all);
            }
        }

        _runtime.UnderlayIo = new UnderlayIoState(requested, "udp", "kernel UDP socket", null);
        DataPlaneLog.UnderlayIoChosen(_logger, "udp", "kernel UDP socket");
        return new UnderlayGroup(all);
    }

    private void Refuse(PortConfig port, string reason) =>
        _runtime.AddRefused(new RefusedPort(port.Name, port.Interface, port.Guest, port.Network, reason));

    private void ExportKeys(DataPlanePlan plan, DataPlaneConfig dataPlane)
    {
        if (dataPlane.DebugKeyExport is not { } path)
        {
            return;
        }

        try
        {
            EspKeyExport.Write(path, plan.Sas, dataPlane.Underlays);
            _runtime.KeyExportPath = path;
            DataPlaneLog.KeysExported(_logger, plan.Sas.Count, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            DataPlaneLog.KeyExportFailed(_logger, path, e.Message);
        }
    }
}
