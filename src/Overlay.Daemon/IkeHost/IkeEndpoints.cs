using System.Net;
using System.Net.Sockets;
using Overlay.DataPlane.Esp;
using Overlay.DataPlane.Forwarding;
using Overlay.DataPlane.Io;
using Overlay.DataPlane.Pools;
using Overlay.Ike;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Net;
using Overlay.Ike.Sa;

namespace Overlay.Daemon.IkeHost;

/// <summary>
/// IKE's UDP endpoints inside the daemon: port 500 is IKE's own socket (one receive loop); port 4500
/// belongs to the data plane (RFC 3948: ESP-in-UDP and IKE share it), so IKE messages arrive through
/// <see cref="IIkeDatagramSink"/> and leave with the non-ESP marker through the pipeline's socket.
/// A failing handler or send is counted, never thrown out of a loop.
/// </summary>
public sealed class IkeEndpoints : IIkeSender, IIkeDatagramSink, IAsyncDisposable
{
    private readonly Socket _ike;
    private readonly Pipeline _pipeline;
    private readonly MessageBatch _natBatch = new(1, IkeConstants.MaxMessageLength + IkeConstants.NonEspMarkerLength);
    private readonly Lock _natSendLock = new();
    private readonly CancellationTokenSource _stop = new();
    private IkeMessageHandler? _handler;
    private Task _loop = Task.CompletedTask;
    private long _received, _sent, _errors;

    public IkeEndpoints(IPAddress address, int ikePort, Pipeline pipeline)
    {
        _pipeline = pipeline;
        _ike = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            _ike.Bind(new IPEndPoint(address, ikePort));
        }
        catch
        {
            _ike.Dispose();
            throw;
        }

        IkeEndpoint = (IPEndPoint)_ike.LocalEndPoint!;
        NatTraversalEndpoint = pipeline.UnderlayAddress.ToEndPoint();
    }

    public IPEndPoint IkeEndpoint { get; }

    public IPEndPoint NatTraversalEndpoint { get; }

    public long Received => Interlocked.Read(ref _received);

    public long Sent => Interlocked.Read(ref _sent);

    public long Errors => Interlocked.Read(ref _errors);

    public void Start(IkeMessageHandler handler)
    {
        _handler = handler;
        _loop = Task.Run(ReceiveLoop);
    }

    private async Task ReceiveLoop()
    {
        var buffer = new byte[IkeConstants.MaxMessageLength];
        EndPoint any = new IPEndPoint(IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _ike.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException)
            {
                Interlocked.Increment(ref _errors); // ICMP unreachable from a peer that is down; keep receiving
                continue;
            }

            if (received.ReceivedBytes >= IkeConstants.HeaderLength)
            {
                Deliver(buffer.AsSpan(0, received.ReceivedBytes), IkeEndpoint, (IPEndPoint)received.RemoteEndPoint);
            }
        }
    }

    /// <summary>From the data plane's receive loop: an IKE message that came on the NAT-T port.</summary>
    public void OnIkeDatagram(ReadOnlySpan<byte> ikeMessage, UdpAddress source) =>
        Deliver(ikeMessage, NatTraversalEndpoint, source.ToEndPoint());

    private void Deliver(ReadOnlySpan<byte> message, IPEndPoint local, IPEndPoint remote)
    {
        Interlocked.Increment(ref _received);
        try
        {
            _handler?.Invoke(message, local, remote);
        }
        catch (Exception)
        {
            // A bug in one SA's handling must not stop IKE (or the data plane's loop) for every other peer.
            Interlocked.Increment(ref _errors);
        }
    }

    public void Send(ReadOnlySpan<byte> ikeMessage, IPEndPoint local, IPEndPoint remote)
    {
        try
        {
            if (local.Port == NatTraversalEndpoint.Port)
            {
                SendNatTraversal(ikeMessage, remote);
            }
            else
            {
                _ike.SendTo(ikeMessage, SocketFlags.None, remote);
            }

            Interlocked.Increment(ref _sent);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            Interlocked.Increment(ref _errors); // a lost send is what retransmission is for
        }
    }

    private void SendNatTraversal(ReadOnlySpan<byte> ikeMessage, IPEndPoint remote)
    {
        lock (_natSendLock)
        {
            PacketBuffer slot = _natBatch[0];
            NonEspMarker.Prepend(ikeMessage, slot.Data);
            slot.Length = ikeMessage.Length + IkeConstants.NonEspMarkerLength;
            _natBatch.SetAddress(0, UdpAddress.From(remote));
            if (_pipeline.SendIkeDatagram(_natBatch, 0) != 1)
            {
                Interlocked.Increment(ref _errors);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _ike.Dispose();
        await _loop.ConfigureAwait(false);
        lock (_natSendLock)
        {
            _natBatch.Dispose();
        }

        _stop.Dispose();
    }
}
