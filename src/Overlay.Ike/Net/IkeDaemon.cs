using System.Net;
using Overlay.Ike.Crypto;
using Overlay.Ike.Crypto.KeyExchange;
using Overlay.Ike.Sa;

namespace Overlay.Ike.Net;

/// <summary>
/// IKE for one local address: the UDP endpoints, the SA manager and the services SAs run with,
/// wired together. The daemon's IKE BackgroundService owns one of these.
/// </summary>
public sealed class IkeDaemon : IAsyncDisposable
{
    private IkeDaemon(IkeSocket socket, IkeSaManager manager)
    {
        Socket = socket;
        Manager = manager;
    }

    public IkeSocket Socket { get; }

    public IkeSaManager Manager { get; }

    /// <summary>Binds ports 500 and 4500 (or the given ones) on <paramref name="address"/> and starts receiving.</summary>
    public static IkeDaemon Start(
        IPAddress address, ILabelPolicy labels, IChildSaSink children, Func<IPEndPoint, IkeSaConfig?> responderConfig,
        TimeProvider? time = null, int ikePort = IkeConstants.IkePort, int natTraversalPort = IkeConstants.NatTraversalPort,
        RetransmitPolicy? retransmit = null)
    {
        var socket = new IkeSocket(address, ikePort, natTraversalPort);
        var services = new IkeSaServices(SystemIkeRandom.Instance, KeyExchangeFactory.Instance, labels, children, socket,
            time ?? TimeProvider.System, retransmit ?? RetransmitPolicy.Default);
        var manager = new IkeSaManager(services, responderConfig);
        socket.Start(manager.Receive);
        return new IkeDaemon(socket, manager);
    }

    /// <summary>Starts an IKE SA (and its first CHILD_SA) towards <paramref name="peer"/>'s IKE port.</summary>
    public IkeSa Initiate(IkeSaConfig config, ChildSaConfig? child, IPAddress peer, int peerPort = IkeConstants.IkePort)
        => Manager.Initiate(config, child, Socket.IkeEndpoint, new IPEndPoint(peer, peerPort));

    public async ValueTask DisposeAsync()
    {
        Manager.Dispose();
        await Socket.DisposeAsync().ConfigureAwait(false);
    }
}
