using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Overlay.Ike.Sa;

namespace Overlay.Ike.Net;

/// <summary>Receives one IKE message (non-ESP marker removed) with the local and remote endpoints.</summary>
public delegate void IkeMessageHandler(ReadOnlySpan<byte> ikeMessage, IPEndPoint local, IPEndPoint remote);

/// <summary>
/// IKE's transport, the only one in the tree: port 500 is IKE's own socket (one receive loop here); port
/// 4500 belongs to whoever owns ESP-in-UDP and reaches IKE through <see cref="INatTraversalPort"/>. Both
/// receive paths only copy the datagram into one bounded queue and return — the thread that received it
/// (for port 4500 the data plane's underlay loop) never runs IKE and never waits for it — and
/// <see cref="IkeTransportOptions.Workers"/> threads run the exchanges, as wireguard-go's handshake queue
/// does. A full queue drops and counts (<see cref="IkeTransportStats.DroppedQueueFull"/>); a failing handler
/// or send is counted, never thrown out of a loop. Sending chooses the port from the SA's local endpoint.
/// </summary>
public sealed class IkeTransport : IIkeSender, IAsyncDisposable
{
    private readonly Socket[] _sockets;
    private readonly INatTraversalPort _natTraversal;
    private readonly IkeTransportOptions _options;
    private readonly WorkQueue<InboundDatagram> _queue;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Thread> _workers = [];
    private IkeMessageHandler? _handler;
    private Task[] _receiveLoops = [];

    /// <summary>Binds IKE's port on <paramref name="address"/>; nothing is received before <see cref="Start"/>.</summary>
    /// <exception cref="SocketException">The port cannot be bound.</exception>
    public IkeTransport(IPAddress address, int ikePort, INatTraversalPort natTraversal, IkeTransportOptions? options = null)
        : this([address], ikePort, natTraversal, options)
    {
    }

    /// <summary>
    /// Binds IKE's port on each of <paramref name="addresses"/> (a dual-stack host: one IPv4 and one IPv6 address,
    /// an IPv6 socket IPv6-only); a message to a peer leaves from the socket of the peer's family.
    /// </summary>
    /// <exception cref="SocketException">The port cannot be bound.</exception>
    public IkeTransport(IReadOnlyList<IPAddress> addresses, int ikePort, INatTraversalPort natTraversal, IkeTransportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        if (addresses.Count == 0)
        {
            throw new ArgumentException("IKE needs an address to bind", nameof(addresses));
        }

        _natTraversal = natTraversal ?? throw new ArgumentNullException(nameof(natTraversal));
        _options = options ?? IkeTransportOptions.Default;
        if (_options.Validate() is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }

        _queue = new WorkQueue<InboundDatagram>(_options.QueueCapacity);
        var sockets = new List<Socket>();
        try
        {
            foreach (IPAddress address in addresses)
            {
                var socket = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
                sockets.Add(socket);
                if (address.AddressFamily == AddressFamily.InterNetworkV6)
                {
                    socket.DualMode = false; // IPV6_V6ONLY: IPv4 has its own socket
                }

                SizeReceiveBuffer(socket);
                socket.Bind(new IPEndPoint(address, ikePort));
            }
        }
        catch
        {
            sockets.ForEach(s => s.Dispose());
            throw;
        }

        _sockets = [.. sockets];
        IkeEndpoints = [.. _sockets.Select(s => (IPEndPoint)s.LocalEndPoint!)];
        IkeEndpoint = IkeEndpoints[0];
    }

    /// <summary>Where the first socket is bound (the only one on a host of one family).</summary>
    public IPEndPoint IkeEndpoint { get; }

    /// <summary>Where each socket is bound, one per family.</summary>
    public IReadOnlyList<IPEndPoint> IkeEndpoints { get; }

    /// <summary>Our IKE endpoint of <paramref name="remote"/>'s family (the first when we have none of it).</summary>
    public IPEndPoint IkeEndpointFor(IPAddress remote) =>
        IkeEndpoints.FirstOrDefault(e => e.AddressFamily == Family(remote)) ?? IkeEndpoint;

    private static AddressFamily Family(IPAddress a) => a.IsIPv4MappedToIPv6 ? AddressFamily.InterNetwork : a.AddressFamily;

    /// <summary>
    /// What port 500's socket may hold while the receive loop catches up: an attested IKE_AUTH carries a full
    /// measurement list the first time, hundreds of fragments in one burst (a 10,000-entry list: about 500).
    /// </summary>
    public const int ReceiveBufferBytes = 4 << 20;

    /// <summary>SO_RCVBUFFORCE (Linux: past net.core.rmem_max, with CAP_NET_ADMIN), else SO_RCVBUF as far as the sysctl allows.</summary>
    private static void SizeReceiveBuffer(Socket socket)
    {
        const int SolSocket = 1, SoRcvBufForce = 33;
        try
        {
            socket.SetRawSocketOption(SolSocket, SoRcvBufForce, BitConverter.GetBytes(ReceiveBufferBytes));
        }
        catch (SocketException)
        {
            socket.ReceiveBufferSize = ReceiveBufferBytes;
        }
    }

    public IPEndPoint NatTraversalEndpoint => _natTraversal.LocalEndpoint;

    public IkeTransportStats Stats { get; } = new();

    public IkeTransportOptions Options => _options;

    /// <summary>Starts the workers (which call <paramref name="handler"/>) and port 500's receive loop.</summary>
    /// <param name="workerStarted">Runs first on each worker thread (the daemon lowers their priority below the packet loops').</param>
    public void Start(IkeMessageHandler handler, Action? workerStarted = null)
    {
        _handler = handler ?? throw new ArgumentNullException(nameof(handler));
        for (int i = 0; i < _options.Workers; i++)
        {
            var worker = new Thread(() =>
            {
                workerStarted?.Invoke();
                WorkerLoop();
            })
            { IsBackground = true, Name = $"tvd ike worker {i}" };
            _workers.Add(worker);
            worker.Start();
        }

        _receiveLoops = [.. _sockets.Select((socket, i) => Task.Run(() => ReceiveLoop(socket, IkeEndpoints[i])))];
    }

    /// <summary>
    /// From the owner of port 4500: an IKE message (marker stripped) that arrived there. Copies it and
    /// returns at once; false when it was dropped (too short, or the queue is full).
    /// </summary>
    public bool OnNatTraversalMessage(ReadOnlySpan<byte> ikeMessage, IPEndPoint remote) =>
        Enqueue(ikeMessage, _natTraversal.LocalEndpointFor(Family(remote.Address)), remote);

    private bool Enqueue(ReadOnlySpan<byte> message, IPEndPoint local, IPEndPoint remote)
    {
        Stats.OnReceived();
        if (message.Length < IkeConstants.HeaderLength)
        {
            Stats.OnRunt();
            return false;
        }

        if (!Stats.TryReserve(message.Length, _options.QueueBytes))
        {
            Stats.OnQueueFull();
            return false;
        }

        byte[] copy = ArrayPool<byte>.Shared.Rent(message.Length);
        message.CopyTo(copy);
        var datagram = new InboundDatagram(copy, message.Length, local, remote);
        if (_queue.TryAdd(datagram))
        {
            return true;
        }

        Release(datagram);
        Stats.OnQueueFull();
        return false;
    }

    private void WorkerLoop()
    {
        while (_queue.Take(out InboundDatagram datagram)) // false: the transport is stopping
        {
            try
            {
                if (!_stop.IsCancellationRequested)
                {
                    _handler!(datagram.Message, datagram.Local, datagram.Remote);
                    Stats.OnProcessed();
                }
            }
            catch (Exception)
            {
                // A bug in one SA's handling must not stop IKE for every other peer; counted and visible in status.
                Stats.OnHandlerError();
            }
            finally
            {
                Release(datagram);
            }
        }
    }

    private void Release(InboundDatagram datagram)
    {
        Stats.Release(datagram.Length);
        ArrayPool<byte>.Shared.Return(datagram.Buffer);
    }

    /// <summary>Port 500 of one family; <paramref name="local"/> was read at bind (the socket may be closed before this runs).</summary>
    private async Task ReceiveLoop(Socket socket, IPEndPoint local)
    {
        byte[] buffer = new byte[IkeConstants.MaxMessageLength];
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
                Stats.OnReceiveError(); // ICMP unreachable from a peer that is down; keep receiving
                continue;
            }

            Enqueue(buffer.AsSpan(0, received.ReceivedBytes), local, (IPEndPoint)received.RemoteEndPoint);
        }
    }

    /// <summary>Sends from the port <paramref name="local"/> names (4500: through <see cref="INatTraversalPort"/>).</summary>
    public void Send(ReadOnlySpan<byte> ikeMessage, IPEndPoint local, IPEndPoint remote)
    {
        bool ok;
        try
        {
            ok = local.Port == _natTraversal.LocalEndpoint.Port
                ? _natTraversal.Send(ikeMessage, remote)
                : SocketFor(remote.Address).SendTo(ikeMessage, SocketFlags.None, remote) == ikeMessage.Length;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            ok = false; // a lost send is what retransmission is for
        }

        Stats.OnSent(ok);
    }

    /// <summary>Keepalives exist only on the NAT-T port (RFC 3948 §2.3); from port 500 none is sent.</summary>
    public bool SendNatKeepalive(IPEndPoint local, IPEndPoint remote)
    {
        try
        {
            return local.Port == _natTraversal.LocalEndpoint.Port && _natTraversal.SendNatKeepalive(remote);
        }
        catch (InvalidOperationException)
        {
            return false; // the data plane is not running
        }
    }

    /// <summary>Stops receiving, lets the workers finish the datagram in hand, drops what still waits.</summary>
    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        foreach (Socket socket in _sockets)
        {
            socket.Dispose();
        }

        await Task.WhenAll(_receiveLoops).ConfigureAwait(false);
        _queue.Complete();
        foreach (Thread worker in _workers)
        {
            worker.Join();
        }

        while (_queue.TryTakeLeft(out InboundDatagram left))
        {
            Release(left);
        }

        _stop.Dispose();
    }

    /// <summary>The socket of <paramref name="remote"/>'s family (the first: sending from it fails and is counted).</summary>
    private Socket SocketFor(IPAddress remote)
    {
        foreach (Socket socket in _sockets)
        {
            if (socket.AddressFamily == Family(remote))
            {
                return socket;
            }
        }

        return _sockets[0];
    }

    private readonly record struct InboundDatagram(byte[] Buffer, int Length, IPEndPoint Local, IPEndPoint Remote)
    {
        public ReadOnlySpan<byte> Message => Buffer.AsSpan(0, Length);
    }
}
