using System.Net;
using Overlay.DataPlane.Frames;
using Overlay.Ike.Crypto;
using Overlay.Ike.Crypto.KeyExchange;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Sa;

namespace Overlay.Ike.Fuzz;

/// <summary>
/// What one fuzz input goes through, in the order a received datagram does: the non-ESP marker
/// check, the message parser and the message rules (convention 6), a re-encoding that must parse
/// again, and finally a responder's <see cref="IkeSaManager"/> (IKE_SA_INIT tasks, key exchange,
/// answers). Any exception is a finding: bad input must end as false, an error value or a
/// counted drop (team rule). The returned feature string (parse error, exchange, validation
/// result, drop reason) is the fuzzer's cheap stand-in for coverage: inputs that produce a new
/// one join the corpus. The regression test in Overlay.Ike.Tests replays saved inputs here.
/// </summary>
public static class IkeDecodeTarget
{
    private static readonly IPEndPoint Local = new(IPAddress.Parse("192.0.2.2"), 500);
    private static readonly IPEndPoint Remote = new(IPAddress.Parse("192.0.2.1"), 500);

    private static readonly IkeSaConfig Responder = new(IkeIdentity.Fqdn("fuzz-responder"), null, "fuzz"u8.ToArray(),
        IkeSaConfig.DefaultIkeProposals);

    public static string Run(ReadOnlySpan<byte> input)
    {
        // A port-4500 payload with the non-ESP marker is IKE after it; anything else is taken as a
        // port-500 datagram (the data plane's classifier, the tree's only one, must cope with any input too).
        var kind = UdpEncapsulation.Classify(input);
        var ike = kind == UdpPayloadKind.Ike ? input[UdpEncapsulation.NonEspMarkerLength..] : input;
        return $"{kind}:{Decode(ike)}|{Receive(ike)}";
    }

    private static string Decode(ReadOnlySpan<byte> input)
    {
        if (!IkeMessage.TryParse(input, out var message, out var error))
        {
            return $"parse:{error.Notify}:{error.PayloadType}";
        }

        var rule = MessageValidator.Validate(message);
        var again = message.ToArray();
        if (!IkeMessage.TryParse(again, out _, out var reparseError))
        {
            throw new InvalidOperationException($"a parsed message re-encodes to octets that do not parse: {reparseError}");
        }

        return $"{message.Header.ExchangeType}:{message.IsResponse}:{rule.Notify}:{rule.PayloadType}:{message.Payloads.Count}";
    }

    private static string Receive(ReadOnlySpan<byte> input)
    {
        var services = new IkeSaServices(SystemIkeRandom.Instance, KeyExchangeFactory.Instance, new NoLabels(), new NoChildren(),
            new NoSender(), TimeProvider.System, RetransmitPolicy.Default);
        using var manager = new IkeSaManager(services, _ => Responder, new CookieOptions(1, TimeSpan.FromMinutes(5)));
        manager.Receive(input, Local, Remote);
        var sa = manager.Sas.FirstOrDefault();
        return sa is null ? $"drop:{manager.Dropped}:{manager.Cookies!.CookiesSent}" : $"sa:{sa.State}:{sa.Tasks.Stats.LastDropReason}";
    }

    private sealed class NoLabels : ILabelPolicy
    {
        public LabelVerdict Check(string peerId, string label, Overlay.Ike.Attestation.IPeerAttestation? attestation) => LabelVerdict.Deny("fuzz");
    }

    private sealed class NoChildren : IChildSaSink
    {
        public void Install(ChildSa child)
        {
        }

        public void Remove(ChildSa child)
        {
        }

        public void RefusedByPeer(PeerRefusal refusal)
        {
        }
    }

    private sealed class NoSender : IIkeSender
    {
        public void Send(ReadOnlySpan<byte> ikeMessage, IPEndPoint local, IPEndPoint remote)
        {
        }
    }
}
