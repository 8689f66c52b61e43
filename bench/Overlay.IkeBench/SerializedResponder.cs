using System.Net;
using Overlay.Ike.Crypto;
using Overlay.Ike.Crypto.KeyExchange;
using Overlay.Ike.Net;
using Overlay.Ike.Sa;

namespace Overlay.IkeBench;

/// <summary>
/// The responder wired like <see cref="IkeDaemon.Start"/>, except that the receive loops of port 500
/// and port 4500 hand messages to the SA manager one at a time. Diagnostic for the lab run: IkeSaManager
/// registers a responder SPI only after IKE_SA_INIT has been answered, so an IKE_AUTH that a NAT-T peer
/// (charon with kernel-libipsec) sends to port 4500 can be looked up on the other loop's thread before
/// that and is dropped (it succeeds on the peer's retransmission 4 s later). Serialising the two loops
/// closes that window; the difference between the two ss→ours rows is the cost of the race.
/// </summary>
public sealed class SerializedResponder : IAsyncDisposable
{
    private readonly Lock _gate = new();

    public SerializedResponder(IPAddress address, ILabelPolicy labels, IChildSaSink children, Func<IPEndPoint, IkeSaConfig?> responderConfig)
    {
        Socket = new IkeSocket(address);
        var services = new IkeSaServices(SystemIkeRandom.Instance, KeyExchangeFactory.Instance, labels, children, Socket,
            TimeProvider.System, RetransmitPolicy.Default);
        Manager = new IkeSaManager(services, responderConfig);
        Socket.Start((message, local, remote) =>
        {
            lock (_gate)
            {
                Manager.Receive(message, local, remote);
            }
        });
    }

    public IkeSocket Socket { get; }

    public IkeSaManager Manager { get; }

    public async ValueTask DisposeAsync()
    {
        Manager.Dispose();
        await Socket.DisposeAsync().ConfigureAwait(false);
    }
}
