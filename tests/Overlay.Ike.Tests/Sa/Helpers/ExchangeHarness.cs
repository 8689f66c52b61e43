using System.Net;
using Microsoft.Extensions.Time.Testing;
using Overlay.Ike.Attestation;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Sa;

namespace Overlay.Ike.Tests.Sa.Helpers;

/// <summary>
/// Two hosts in one process (strongSwan's exchange_test_helper): A initiates, B responds, each
/// with its own IkeSaManager, deterministic randomness and DH, recording sender and CHILD_SA
/// sink, and one shared FakeTimeProvider. Nothing moves until a test delivers a datagram, so a
/// test can look at every message (decrypted with the receiver's keys) before it arrives.
/// </summary>
public sealed class ExchangeHarness : IDisposable
{
    public static readonly IPEndPoint AddressA = new(IPAddress.Parse("192.0.2.1"), 500);
    public static readonly IPEndPoint AddressB = new(IPAddress.Parse("192.0.2.2"), 500);
    public static readonly byte[] Psk = "tvd-overlay-test-psk"u8.ToArray();

    public static readonly ChildSaConfig RedChild = new("red", "tvd:red",
        [Range("10.1.0.0", "10.1.255.255")], [Range("10.2.0.0", "10.2.255.255")], ChildSaConfig.DefaultEspProposals);

    public static readonly ChildSaConfig ResponderTemplate = new("from-a", null,
        [Range("10.2.0.0", "10.2.255.255")], [Range("10.1.0.0", "10.1.255.255")], ChildSaConfig.DefaultEspProposals);

    /// <param name="cookiesB">COOKIE options of B's manager (RFC 7296 §2.6); null never demands cookies.</param>
    /// <param name="attestationA">A's attested IKE (both sides need one for it to run); null: A does not speak it.</param>
    public ExchangeHarness(Func<IkeSaConfig, IkeSaConfig>? configureA = null, Func<IkeSaConfig, IkeSaConfig>? configureB = null,
        CookieOptions? cookiesB = null, IIkeAttestation? attestationA = null, IIkeAttestation? attestationB = null,
        HalfOpenOptions? halfOpen = null)
    {
        HalfOpen = halfOpen;
        (_attestationA, _attestationB) = (attestationA, attestationB);
        CookiesB = cookiesB;
        var a = new IkeSaConfig(IkeIdentity.Fqdn("hostA"), IkeIdentity.Fqdn("hostB"), Psk, IkeSaConfig.DefaultIkeProposals);
        var b = new IkeSaConfig(IkeIdentity.Fqdn("hostB"), IkeIdentity.Fqdn("hostA"), Psk, IkeSaConfig.DefaultIkeProposals, [ResponderTemplate]);
        // A asks only for what a test wants; what is checked is B's answer (A's own check of B is tested apart).
        A = new Host("A", this, configureA?.Invoke(a) ?? a, AllowListLabelPolicy.Any());
        B = new Host("B", this, configureB?.Invoke(b) ?? b, new AllowListLabelPolicy());
        B.Policy.Allowed.Add(("hostA", "tvd:red"));
    }

    private CookieOptions? CookiesB { get; }

    /// <summary>Half-open bounds of both managers; null: <see cref="HalfOpenOptions.Default"/>.</summary>
    private HalfOpenOptions? HalfOpen { get; }

    private readonly IIkeAttestation? _attestationA;
    private readonly IIkeAttestation? _attestationB;

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public Host A { get; }

    public Host B { get; }

    /// <summary>The initiator SA on A (set by <see cref="Start"/>).</summary>
    public IkeSa Initiator { get; private set; } = null!;

    /// <summary>B's SA for this peer, once B has seen an IKE_SA_INIT it accepted.</summary>
    public IkeSa? Responder => B.LastSa;

    public static AddressRangeSelector Range(string start, string end) => AddressRangeSelector.Range(IPAddress.Parse(start), IPAddress.Parse(end));

    public IkeSa Start(ChildSaConfig? child)
    {
        Initiator = A.Manager.Initiate(A.Config, child, AddressA, AddressB);
        A.Observe();
        return Initiator;
    }

    /// <summary>Delivers A's oldest unsent datagram to B and returns it decrypted with B's keys.</summary>
    public IkeMessage DeliverToResponder() => Deliver(A, B, AddressA, AddressB);

    /// <summary>Delivers B's oldest unsent datagram to A and returns it decrypted with A's keys.</summary>
    public IkeMessage DeliverToInitiator() => Deliver(B, A, AddressB, AddressA);

    private static IkeMessage Deliver(Host from, Host to, IPEndPoint source, IPEndPoint destination)
    {
        var datagram = from.Sender.Outbox.Dequeue();
        var decoded = Decode(datagram, ReceiverOf(datagram, to));
        to.Manager.Receive(datagram, destination, source);
        to.Observe();
        return decoded;
    }

    /// <summary>
    /// Delivers every datagram A has queued (one message, or all its SKF fragments) to B and returns
    /// the message decrypted and, if fragmented, reassembled with B's keys.
    /// </summary>
    public IkeMessage DeliverAllToResponder() => DeliverAll(A, B, AddressA, AddressB);

    public IkeMessage DeliverAllToInitiator() => DeliverAll(B, A, AddressB, AddressA);

    private static IkeMessage DeliverAll(Host from, Host to, IPEndPoint source, IPEndPoint destination)
    {
        var datagrams = Take(from);
        Assert.NotEmpty(datagrams);
        var decoded = DecodeAll(datagrams, ReceiverOf(datagrams[0], to));
        foreach (var d in datagrams)
        {
            to.Manager.Receive(d, destination, source);
        }

        to.Observe();
        return decoded;
    }

    /// <summary>Decodes one message, or reassembles its SKF fragments (in order) with <paramref name="receiver"/>'s keys.</summary>
    public static IkeMessage DecodeAll(List<byte[]> datagrams, IkeSa? receiver)
    {
        if (datagrams.Count == 1)
        {
            return Decode(datagrams[0], receiver);
        }

        var content = new List<byte>();
        var first = IkePayloadType.NoNextPayload;
        IkeMessage? outer = null;
        foreach (var d in datagrams)
        {
            Assert.True(IkeMessage.TryParse(d, out outer, out var error), error.ToString());
            var skf = Assert.IsType<EncryptedFragmentPayload>(outer.Payloads[^1]);
            Assert.True(receiver!.Protector!.TryDecryptFragment(d, skf, out var part, out error), error.ToString());
            first = skf.FragmentNumber == 1 ? skf.FirstInnerPayload : first;
            content.AddRange(part);
        }

        var inner = new List<Overlay.Ike.Encoding.IIkePayload>();
        Assert.True(PayloadChain.TryParse(content.ToArray(), first, inner, out var e), e.ToString());
        return new IkeMessage(outer!.Header, inner);
    }

    /// <summary>Hands <paramref name="datagram"/> (e.g. one SKF fragment, possibly altered) to B as if A had sent it.</summary>
    public void InjectToResponder(byte[] datagram)
    {
        B.Manager.Receive(datagram, AddressB, AddressA);
        B.Observe();
    }

    /// <summary>Hands <paramref name="datagram"/> to A as if B had sent it.</summary>
    public void InjectToInitiator(byte[] datagram)
    {
        A.Manager.Receive(datagram, AddressA, AddressB);
        A.Observe();
    }

    /// <summary>Takes every datagram A has queued (e.g. all fragments of one message) without delivering them.</summary>
    public List<byte[]> TakeFromA() => Take(A);

    public List<byte[]> TakeFromB() => Take(B);

    private static List<byte[]> Take(Host host)
    {
        var all = new List<byte[]>();
        while (host.Sender.Outbox.Count > 0)
        {
            all.Add(host.Sender.Outbox.Dequeue());
        }

        return all;
    }

    /// <summary>The SA of <paramref name="to"/> a datagram belongs to, by its SPIs (several exist while an IKE SA is rekeyed).</summary>
    private static IkeSa? ReceiverOf(byte[] datagram, Host to)
    {
        var spiI = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(datagram);
        var spiR = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(datagram.AsSpan(8));
        var sas = to.Manager.Sas;
        return sas.FirstOrDefault(s => s.InitiatorSpi == spiI && s.ResponderSpi == spiR) ?? sas.LastOrDefault();
    }

    /// <summary>Delivers every queued datagram both ways until nothing is queued (at most <paramref name="rounds"/> rounds).</summary>
    public void DeliverUntilQuiet(int rounds = 50)
    {
        for (var i = 0; i < rounds && (PendingFromA > 0 || PendingFromB > 0); i++)
        {
            if (PendingFromA > 0)
            {
                DeliverAllToResponder();
            }

            if (PendingFromB > 0)
            {
                DeliverAllToInitiator();
            }
        }

        Assert.True(PendingFromA == 0 && PendingFromB == 0, "the hosts kept talking");
    }

    /// <summary>A's deliverable datagrams not yet delivered.</summary>
    public int PendingFromA => A.Sender.Outbox.Count;

    public int PendingFromB => B.Sender.Outbox.Count;

    /// <summary>Parses a datagram; SK content is decrypted with <paramref name="receiver"/>'s inbound keys.</summary>
    public static IkeMessage Decode(byte[] datagram, IkeSa? receiver)
    {
        Assert.True(IkeMessage.TryParse(datagram, out var outer, out var error), error.ToString());
        if (outer.Header.ExchangeType == IkeExchangeType.IkeSaInit)
        {
            return outer;
        }

        Assert.NotNull(receiver?.Protector);
        Assert.True(receiver.Protector.TryUnprotect(datagram, outer, out var inner, out error), error.ToString());
        return new IkeMessage(outer.Header, inner);
    }

    public static IkePayloadType[] Types(IkeMessage m) => m.Payloads.Select(p => p.PayloadType).ToArray();

    public static NotifyType[] Notifies(IkeMessage m) => m.Payloads.OfType<NotifyPayload>().Select(n => n.Type).ToArray();

    /// <summary>Runs IKE_SA_INIT and IKE_AUTH (with <paramref name="child"/>) to the end, asserting only that both sides are up.</summary>
    public IkeSa Establish(ChildSaConfig? child)
    {
        Start(child);
        DeliverToResponder();
        DeliverToInitiator();
        DeliverToResponder();
        DeliverToInitiator();
        Assert.Equal(IkeSaState.Established, Initiator.State);
        Assert.Equal(IkeSaState.Established, Responder!.State);
        return Initiator;
    }

    public void Dispose()
    {
        A.Manager.Dispose();
        B.Manager.Dispose();
    }

    /// <summary>One host: its manager and the test doubles it runs with.</summary>
    public sealed class Host
    {
        public Host(string name, ExchangeHarness harness, IkeSaConfig config, AllowListLabelPolicy policy)
        {
            Config = config;
            Policy = policy;
            Random = new DeterministicRandom("host " + name);
            KeyExchanges = new DeterministicKeyExchangeFactory(new DeterministicRandom("dh " + name));
            Failures = new IkeFailureRecorder(harness.Time, FailureLog);
            var services = new IkeSaServices(Random, KeyExchanges, Policy, Sink, Sender, harness.Time, RetransmitPolicy.Default)
            {
                Attestation = name == "A" ? harness._attestationA : harness._attestationB,
                Failures = Failures,
            };
            Manager = new IkeSaManager(services, _ => Config, name == "B" ? harness.CookiesB : null, harness.HalfOpen);
        }

        public IkeSaConfig Config { get; }

        public DeterministicRandom Random { get; }

        public DeterministicKeyExchangeFactory KeyExchanges { get; }

        public AllowListLabelPolicy Policy { get; }

        public RecordingChildSink Sink { get; } = new();

        /// <summary>Failures this host counted, and the lines it would have logged (<see cref="FailureLog"/>).</summary>
        public IkeFailureRecorder Failures { get; }

        public RecordingFailureLog FailureLog { get; } = new();

        public RecordingSender Sender { get; } = new();

        public IkeSaManager Manager { get; }

        /// <summary>Every SA this host has had (kept after destruction so tests can inspect it).</summary>
        public List<IkeSa> Seen { get; } = [];

        /// <summary>The most recent SA of this host.</summary>
        public IkeSa? LastSa => Seen.LastOrDefault();

        internal void Observe()
        {
            foreach (var sa in Manager.Sas)
            {
                if (!Seen.Contains(sa))
                {
                    Seen.Add(sa);
                }
            }
        }
    }
}
