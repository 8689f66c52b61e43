using System.Net;
using Overlay.DataPlane.Forwarding;
using Overlay.DataPlane.Io;
using Overlay.DataPlane.Sa;
using Overlay.Ike;
using Overlay.Ike.Attestation;
using Overlay.Ike.Crypto;
using Overlay.Ike.Crypto.KeyExchange;
using Overlay.Ike.Net;
using Overlay.Ike.Sa;

namespace Overlay.Daemon.IkeHost;

/// <summary>
/// IKE with the daemon's own transport and no daemon around it: a data plane with no guest ports owns UDP
/// 4500 (as in production, where ESP-in-UDP and IKE share it), <see cref="NatTraversalBridge"/> joins it to
/// IKE's <see cref="IkeTransport"/> (port 500 and the workers) and an <see cref="IkeSaManager"/> answers.
/// For the interop tests against strongSwan, the IKE benchmark and the storm generator, so each exercises
/// the transport production runs. <see cref="IkeService"/> wires the same pieces from the config.
/// </summary>
public sealed class StandaloneIke : IAsyncDisposable
{
    private StandaloneIke(Pipeline pipeline, IkeTransport transport, IkeSaManager manager)
    {
        Pipeline = pipeline;
        Transport = transport;
        Manager = manager;
    }

    public Pipeline Pipeline { get; }

    public IkeTransport Transport { get; }

    public IkeSaManager Manager { get; }

    /// <summary>Binds <paramref name="ikePort"/> and <paramref name="natTraversalPort"/> on <paramref name="address"/> (0: ports the kernel chooses) and starts receiving.</summary>
    /// <param name="handler">Receives every message instead of the SA manager (a tool that counts answers to SAs of its own).</param>
    /// <param name="attestation">Attested IKE (the benchmark of attested handshakes); null: none.</param>
    /// <param name="halfOpen">Bounds on half-open responder SAs; null: <see cref="HalfOpenOptions.Default"/> (5 per source address).</param>
    public static StandaloneIke Start(
        IPAddress address, ILabelPolicy labels, IChildSaSink children, Func<IPEndPoint, IkeSaConfig?> responderConfig,
        TimeProvider? time = null, int ikePort = IkeConstants.IkePort, int natTraversalPort = IkeConstants.NatTraversalPort,
        RetransmitPolicy? retransmit = null, IkeTransportOptions? transport = null, CookieOptions? cookies = null,
        IkeMessageHandler? handler = null, IIkeAttestation? attestation = null, HalfOpenOptions? halfOpen = null)
    {
        time ??= TimeProvider.System;
        var bridge = new NatTraversalBridge();
        var options = new PipelineOptions();
        UdpUnderlaySocket underlay = UdpUnderlaySocket.Open(address, natTraversalPort, options.ReceiveTimeout, segmentation: false);
        var pipeline = new Pipeline(underlay, new SaTable(time), options, bridge, time: time);
        bridge.AttachPipeline(pipeline);
        pipeline.Start();
        IkeTransport ike;
        try
        {
            ike = new IkeTransport(address, ikePort, bridge, transport);
        }
        catch
        {
            pipeline.StopAsync().GetAwaiter().GetResult();
            throw;
        }

        var services = new IkeSaServices(SystemIkeRandom.Instance, KeyExchangeFactory.Instance, labels, children, ike, time,
            retransmit ?? RetransmitPolicy.Default)
        {
            Attestation = attestation,
        };
        var manager = new IkeSaManager(services, responderConfig, cookies, halfOpen);
        ike.Start(handler ?? manager.Receive);
        bridge.AttachTransport(ike);
        return new StandaloneIke(pipeline, ike, manager);
    }

    /// <summary>Starts an IKE SA (and its first CHILD_SA) towards <paramref name="peer"/>'s IKE port.</summary>
    public IkeSa Initiate(IkeSaConfig config, ChildSaConfig? child, IPAddress peer, int peerPort = IkeConstants.IkePort) =>
        Manager.Initiate(config, child, Transport.IkeEndpointFor(peer), new IPEndPoint(peer, peerPort));

    public async ValueTask DisposeAsync()
    {
        Manager.Dispose();
        await Transport.DisposeAsync().ConfigureAwait(false);
        await Pipeline.StopAsync().ConfigureAwait(false);
        Pipeline.Sas.Dispose();
    }
}
