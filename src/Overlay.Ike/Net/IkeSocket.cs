using System.Net;
using System.Net.Sockets;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Sa;

namespace Overlay.Ike.Net;

/// <summary>Counters of what arrived on the IKE ports.</summary>
public sealed class IkeSocketStats
{
    private long _ike, _keepalives, _esp, _malformed, _errors;

    public long IkeMessages => Interlocked.Read(ref _ike);
    public long Keepalives => Interlocked.Read(ref _keepalives);
    public long EspPackets => Interlocked.Read(ref _esp);
    public long Malformed => Interlocked.Read(ref _malformed);
    public long HandlerErrors => Interlocked.Read(ref _errors);

    internal void Count(UdpEncapsulatedKind kind)
    {
        switch (kind)
        {
            case UdpEncapsulatedKind.Ike: Interlocked.Increment(ref _ike); break;
            case UdpEncapsulatedKind.Keepalive: Interlocked.Increment(ref _keepalives); break;
            case UdpEncapsulatedKind.Esp: Interlocked.Increment(ref _esp); break;
            default: Interlocked.Increment(ref _malformed); break;
        }
    }

    internal void Error() => Interlocked.Increment(ref _errors);
}

/// <summary>
/// The IKE UDP endpoints of one address: port 500 (plain IKE) and port 4500 (IKE behind the
/// non-ESP marker, RFC 3948 §2.2, shared with ESP-in-UDP). One receive loop per port hands IKE
/// messages to a handler; a failing handler or a malformed datagram is counted, never thrown
/// out of the loop. The loops end when the socket is disposed or the token is cancelled.
/// </summary>
public sealed class IkeSocket : IIkeSender, IAsyncDisposable
{
    private const int BufferSize = IkeConstants.MaxMessageLength;
    private readonly Socket _ike;
    private readonly Socket _natT;
    private readonly CancellationTokenSource _stop = new();
    private Task[] _loops = [];

    public IkeSocket(IPAddress address, int ikePort = IkeConstants.IkePort, int natTraversalPort = IkeConstants.NatTraversalPort)
    {
        _ike = Bind(address, ikePort);
        _natT = Bind(address, natTraversalPort);
        IkeEndpoint = (IPEndPoint)_ike.LocalEndPoint!;
        NatTraversalEndpoint = (IPEndPoint)_natT.LocalEndPoint!;
    }

    public IPEndPoint IkeEndpoint { get; }

    public IPEndPoint NatTraversalEndpoint { get; }

    public IkeSocketStats Stats { get; } = new();

    private static Socket Bind(IPAddress address, int port)
    {
        var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(new IPEndPoint(address, port));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Starts both receive loops; <paramref name="handler"/> gets (IKE message, local, remote).</summary>
    public void Start(IkeMessageHandler handler)
    {
        _loops =
        [
            Task.Run(() => ReceiveLoop(_ike, IkeEndpoint, marker: false, handler)),
            Task.Run(() => ReceiveLoop(_natT, NatTraversalEndpoint, marker: true, handler)),
        ];
    }

    private async Task ReceiveLoop(Socket socket, IPEndPoint local, bool marker, IkeMessageHandler handler)
    {
        var buffer = new byte[BufferSize];
        EndPoint any = new IPEndPoint(local.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await socket.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                Stats.Error(); // e.g. ICMP port unreachable reported on the socket; keep receiving
                continue;
            }

            Dispatch(buffer.AsSpan(0, received.ReceivedBytes), (IPEndPoint)received.RemoteEndPoint, local, marker, handler);
        }
    }

    private void Dispatch(ReadOnlySpan<byte> datagram, IPEndPoint remote, IPEndPoint local, bool marker, IkeMessageHandler handler)
    {
        var ike = datagram;
        var kind = UdpEncapsulatedKind.Ike;
        if (marker)
        {
            kind = NonEspMarker.Classify(datagram, out ike);
        }
        else if (datagram.Length < IkeConstants.HeaderLength)
        {
            kind = UdpEncapsulatedKind.Malformed;
        }

        Stats.Count(kind);
        if (kind != UdpEncapsulatedKind.Ike)
        {
            return; // ESP-in-UDP belongs to the data plane's own socket path; keepalives need no answer
        }

        try
        {
            handler(ike, local, remote);
        }
        catch (Exception)
        {
            // A bug in a handler must not stop IKE for every other peer; it is counted and visible in Stats.
            Stats.Error();
        }
    }

    /// <summary>Sends from the port <paramref name="local"/> names; port 4500 gets the non-ESP marker.</summary>
    public void Send(ReadOnlySpan<byte> ikeMessage, IPEndPoint local, IPEndPoint remote)
    {
        try
        {
            if (local.Port == NatTraversalEndpoint.Port)
            {
                var bytes = new byte[ikeMessage.Length + IkeConstants.NonEspMarkerLength];
                NonEspMarker.Prepend(ikeMessage, bytes);
                _natT.SendTo(bytes, remote);
            }
            else
            {
                _ike.SendTo(ikeMessage, SocketFlags.None, remote);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            Stats.Error(); // a lost send is what retransmission is for
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _ike.Dispose();
        _natT.Dispose();
        await Task.WhenAll(_loops).ConfigureAwait(false);
        _stop.Dispose();
    }
}

/// <summary>Receives one IKE message (non-ESP marker removed) with the local and remote endpoints.</summary>
public delegate void IkeMessageHandler(ReadOnlySpan<byte> ikeMessage, IPEndPoint local, IPEndPoint remote);
