using System.Buffers.Binary;
using Overlay.Ike.Sa;
using Overlay.Ike.Tests.Sa.Helpers;
using static Overlay.Ike.Tests.Sa.Helpers.ExchangeHarness;

namespace Overlay.Ike.Tests.Sa;

public sealed partial class IkeSaManagerTests
{
    [Fact]
    public void A_responder_spi_routes_before_the_ike_sa_init_response_leaves()
    {
        // charon behind a (faked) NAT sends IKE_AUTH to 4500, which another receive thread handles: it
        // may arrive while B is still inside Send of its IKE_SA_INIT response. Routing must hold then.
        using var h = new ExchangeHarness();
        IkeSa? routedDuringSend = null;
        ulong responderSpi = 0;
        h.B.Sender.OnSend = datagram =>
        {
            // IKE header (RFC 7296 §3.1): initiator SPI at 0, responder SPI at 8.
            responderSpi = BinaryPrimitives.ReadUInt64BigEndian(datagram.AsSpan(8, 8));
            routedDuringSend = h.B.Manager.FindBySpi(responderSpi);
        };
        h.Start(RedChild);

        // HDR, SAi1, KEi, Ni -->
        h.DeliverToResponder();

        Assert.NotEqual(0UL, responderSpi);
        Assert.NotNull(routedDuringSend);
        Assert.Equal(responderSpi, routedDuringSend!.ResponderSpi);

        // <-- HDR, SAr1, KEr, Nr ; HDR, SK {IDi, AUTH, SAi2, TSi, TSr} --> : the exchange still completes.
        h.B.Sender.OnSend = null;
        h.DeliverToInitiator();
        h.DeliverToResponder();
        h.DeliverToInitiator();
        Assert.Equal(IkeSaState.Established, h.Responder!.State);
        Assert.Equal(0, h.B.Manager.Dropped);
    }
}
