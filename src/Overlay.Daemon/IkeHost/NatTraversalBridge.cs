using System.Net;
using Overlay.DataPlane.Forwarding;
using Overlay.DataPlane.Io;
using Overlay.Ike.Net;

namespace Overlay.Daemon.IkeHost;

/// <summary>
/// Port 4500 between the two modules that share it: the data plane's <see cref="IIkeDatagramSink"/> (IKE
/// messages its underlay loop found behind the non-ESP marker) and IKE's <see cref="INatTraversalPort"/>
/// (IKE's messages leave through the data plane's socket, which marks them). Translates addresses and
/// wires lifetimes: the pipeline is built before IKE starts, so messages that arrive before IKE attached
/// its transport (or without IKE) are only counted.
/// </summary>
public sealed class NatTraversalBridge : IIkeDatagramSink, INatTraversalPort
{
    private volatile Pipeline? _pipeline;
    private volatile IkeTransport? _transport;
    private long _unhandled;

    /// <summary>IKE messages on the NAT-T port while IKE was not running.</summary>
    public long Unhandled => Interlocked.Read(ref _unhandled);

    public IPEndPoint LocalEndpoint =>
        (_pipeline ?? throw new InvalidOperationException("the data plane is not running")).UnderlayAddress.ToEndPoint();

    /// <summary>The data plane's underlay address of <paramref name="family"/> (a dual-stack host has one per family).</summary>
    public IPEndPoint LocalEndpointFor(System.Net.Sockets.AddressFamily family) =>
        (_pipeline ?? throw new InvalidOperationException("the data plane is not running")).UnderlayAddressOf(family == System.Net.Sockets.AddressFamily.InterNetworkV6)
            ?.ToEndPoint() ?? LocalEndpoint;

    public void AttachPipeline(Pipeline? pipeline) => _pipeline = pipeline;

    public void AttachTransport(IkeTransport? transport) => _transport = transport;

    /// <summary>On the data plane's underlay thread: hand over and return (the transport copies and queues).</summary>
    public void OnIkeDatagram(ReadOnlySpan<byte> ikeMessage, UdpAddress source)
    {
        if (_transport is { } transport)
        {
            transport.OnNatTraversalMessage(ikeMessage, source.ToEndPoint());
        }
        else
        {
            Interlocked.Increment(ref _unhandled);
        }
    }

    public bool Send(ReadOnlySpan<byte> ikeMessage, IPEndPoint remote) =>
        _pipeline is { } pipeline && pipeline.SendIke(ikeMessage, UdpAddress.From(remote));

    public bool SendNatKeepalive(IPEndPoint remote) =>
        _pipeline is { } pipeline && pipeline.SendNatKeepalive(UdpAddress.From(remote)) == NatKeepaliveResult.Sent;
}
