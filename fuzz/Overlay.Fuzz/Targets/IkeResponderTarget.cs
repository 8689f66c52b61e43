using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using Org.BouncyCastle.Crypto.Agreement;
using Org.BouncyCastle.Crypto.Parameters;
using Overlay.Ike;
using Overlay.Ike.Attestation;
using Overlay.Ike.Crypto;
using Overlay.Ike.Crypto.KeyExchange;
using Overlay.Ike.Encoding;
using Overlay.Ike.Encoding.Messages;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Sa;

namespace Overlay.Fuzz.Targets;

/// <summary>
/// The IKE responder fed a sequence of datagrams: one <see cref="IkeSaManager"/> that demands cookies from the first
/// IKE_SA_INIT on (RFC 7296 §2.6) and takes fragments (RFC 7383), with deterministic nonces, SPIs, DH keys, cookie
/// secret and clock. An input is records <c>op (1) | length (2) | bytes</c>: op mod 4 is 0 (from the peer's port 500),
/// 1 (from its port 4500), 2 (from another address) or 3 (the clock moves length seconds; no bytes). Because the
/// responder is deterministic, a recorded conversation with our own initiator (the seeds: IKE_SA_INIT, the retry with
/// the cookie, IKE_AUTH in fragments) replays exactly, so mutations reach the decrypted, reassembled
/// messages and the tasks behind them. Oracles: every datagram the responder sends parses and re-encodes to itself,
/// and it keeps no more SAs than it was sent IKE_SA_INITs.
/// </summary>
public sealed class IkeResponderTarget : FuzzTarget
{
    public static readonly IPEndPoint Local = new(IPAddress.Parse("192.0.2.2"), 500);
    public static readonly IPEndPoint Peer = new(IPAddress.Parse("192.0.2.1"), 500);
    public static readonly IPEndPoint PeerNat = new(IPAddress.Parse("192.0.2.1"), 4500);
    public static readonly IPEndPoint Other = new(IPAddress.Parse("198.51.100.7"), 500);
    private static readonly byte[] Psk = "tvd-overlay-fuzz-psk"u8.ToArray();
    private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly ChildSaConfig Red = new("red", "tvd:red", [Range("10.1.0.0", "10.1.255.255")], [Range("10.2.0.0", "10.2.255.255")],
        ChildSaConfig.DefaultEspProposals);

    private static readonly ChildSaConfig Template = new("from-a", null, [Range("10.2.0.0", "10.2.255.255")], [Range("10.1.0.0", "10.1.255.255")],
        ChildSaConfig.DefaultEspProposals);

    public override string Name => "ike-responder";

    public override string TestProject => "Overlay.Ike.Tests";

    public override string Description => "records of datagrams to a cookie-demanding, fragment-taking responder; its replies parse and round-trip";

    /// <summary>The state of the responder's last IKE SA after the last run (tests check the seeds get far).</summary>
    public IkeSaState? LastState { get; private set; }

    protected override void Execute(ReadOnlySpan<byte> input)
    {
        var host = new Host("responder", Configure(new IkeSaConfig(IkeIdentity.Fqdn("hostB"), IkeIdentity.Fqdn("hostA"), Psk,
            IkeSaConfig.DefaultIkeProposals, [Template])), new CookieOptions(0, TimeSpan.FromMinutes(5)));
        using var manager = host.Manager;
        var inits = 0;
        LastState = null;
        while (input.Length >= 3)
        {
            var op = input[0] & 3;
            int length = BinaryPrimitives.ReadUInt16BigEndian(input[1..]);
            if (op == 3)
            {
                host.Time.Advance(TimeSpan.FromSeconds(length));
                input = input[3..];
                continue;
            }

            length = Math.Min(length, input.Length - 3);
            var datagram = input.Slice(3, length);
            input = input[(3 + length)..];
            inits += datagram.Length > 18 && datagram[18] == (byte)IkeExchangeType.IkeSaInit ? 1 : 0;
            manager.Receive(datagram, Local, op switch { 0 => Peer, 1 => PeerNat, _ => Other });
            foreach (var sent in host.Sender.Sent)
            {
                Oracles.Check(IkeMessage.TryParse(sent, out var message, out var error), $"the responder sent a datagram that does not parse: {error}");
                Oracles.SameBytes("a datagram the responder sent", sent, message.ToArray());
            }

            host.Sender.Sent.Clear();
            Oracles.Check(manager.Sas.Count <= inits, $"{manager.Sas.Count} SAs after {inits} IKE_SA_INITs");
            LastState = manager.Sas.Count > 0 ? manager.Sas[^1].State : LastState;
        }
    }

    private static IkeSaConfig Configure(IkeSaConfig config) =>
        config with { Fragmentation = new FragmentationOptions(200, 200) };

    private static AddressRangeSelector Range(string start, string end) => AddressRangeSelector.Range(IPAddress.Parse(start), IPAddress.Parse(end));

    /// <summary>
    /// Our initiator (deterministic too) against the target's responder: IKE_SA_INIT, the retry with the COOKIE, IKE_AUTH
    /// in two SKF fragments; the initiator's datagrams as records.
    /// </summary>
    public override IEnumerable<(string Name, byte[] Data)> Seeds(string repositoryRoot)
    {
        var initiator = new Host("initiator", Configure(new IkeSaConfig(IkeIdentity.Fqdn("hostA"), IkeIdentity.Fqdn("hostB"), Psk,
            IkeSaConfig.DefaultIkeProposals)), null);
        var responder = new Host("responder", Configure(new IkeSaConfig(IkeIdentity.Fqdn("hostB"), IkeIdentity.Fqdn("hostA"), Psk,
            IkeSaConfig.DefaultIkeProposals, [Template])), new CookieOptions(0, TimeSpan.FromMinutes(5)));
        var records = new List<byte>();
        initiator.Manager.Initiate(initiator.Config, Red, Peer, Local);
        for (var round = 0; round < 8 && initiator.Sender.Sent.Count > 0; round++)
        {
            foreach (var d in initiator.Sender.Sent)
            {
                records.AddRange(Record(0, d));
                responder.Manager.Receive(d, Local, Peer);
            }

            initiator.Sender.Sent.Clear();
            foreach (var d in responder.Sender.Sent)
            {
                initiator.Manager.Receive(d, Peer, Local);
            }

            responder.Sender.Sent.Clear();
        }

        yield return ("init-cookie-auth-fragments", [.. records]);
        // The same conversation from another address after the cookie secret's lifetime: new cookies needed.
        yield return ("late-other-source", [3, 0x01, 0x68, .. records.Select((b, i) => i == 0 ? (byte)2 : b)]);
        initiator.Manager.Dispose();
        responder.Manager.Dispose();
    }

    private static byte[] Record(byte op, byte[] datagram)
    {
        var record = new byte[3 + datagram.Length];
        record[0] = op;
        BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(1), (ushort)datagram.Length);
        datagram.CopyTo(record, 3);
        return record;
    }

    /// <summary>One side: a manager over deterministic services.</summary>
    private sealed class Host
    {
        public Host(string name, IkeSaConfig config, CookieOptions? cookies)
        {
            Config = config;
            var random = new DeterministicRandom("random " + name);
            var services = new IkeSaServices(random, new DeterministicKeyExchanges(new DeterministicRandom("dh " + name)), new AllowRed(),
                new NoChildren(), Sender, Time, RetransmitPolicy.Default);
            Manager = new IkeSaManager(services, _ => Config, cookies);
        }

        public IkeSaConfig Config { get; }

        public FakeTimeProvider Time { get; } = new(Epoch);

        public RecordingSender Sender { get; } = new();

        public IkeSaManager Manager { get; }
    }

    /// <summary>SHA-256(seed | counter) blocks: the same SPIs, nonces and cookie secret every run.</summary>
    private sealed class DeterministicRandom(string seed) : IIkeRandom
    {
        private readonly byte[] _input = [.. System.Text.Encoding.UTF8.GetBytes(seed), 0, 0, 0, 0, 0, 0, 0, 0];
        private long _counter;

        public void Fill(Span<byte> destination)
        {
            Span<byte> block = stackalloc byte[32];
            for (var written = 0; written < destination.Length; written += 32)
            {
                BinaryPrimitives.WriteInt64BigEndian(_input.AsSpan(_input.Length - 8), _counter++);
                SHA256.HashData(_input, block);
                block[..Math.Min(32, destination.Length - written)].CopyTo(destination[written..]);
            }
        }
    }

    /// <summary>Curve25519 with private keys from a <see cref="DeterministicRandom"/>; other groups as in production.</summary>
    private sealed class DeterministicKeyExchanges(IIkeRandom random) : IKeyExchangeFactory
    {
        public bool IsSupported(KeyExchangeMethod method) => KeyExchangeFactory.Instance.IsSupported(method);

        public IKeyExchange Create(KeyExchangeMethod method)
        {
            if (method != KeyExchangeMethod.Curve25519)
            {
                return KeyExchangeFactory.Instance.Create(method);
            }

            var key = new byte[32];
            random.Fill(key);
            return new FixedX25519(new X25519PrivateKeyParameters(key, 0));
        }
    }

    private sealed class FixedX25519(X25519PrivateKeyParameters key) : IKeyExchange
    {
        private readonly byte[] _public = key.GeneratePublicKey().GetEncoded();

        public KeyExchangeMethod Method => KeyExchangeMethod.Curve25519;

        public ReadOnlySpan<byte> PublicKey => _public;

        public bool TryComputeSharedSecret(ReadOnlySpan<byte> peerPublicKey, out byte[] sharedSecret, out IkeParseError error)
        {
            sharedSecret = new byte[32];
            if (peerPublicKey.Length != 32)
            {
                error = IkeParseError.Syntax("X25519 key is not 32 octets", IkePayloadType.KeyExchange);
                return false;
            }

            var agreement = new X25519Agreement();
            agreement.Init(key);
            agreement.CalculateAgreement(new X25519PublicKeyParameters(peerPublicKey.ToArray(), 0), sharedSecret, 0);
            error = IkeParseError.None;
            return true;
        }

        public void Dispose()
        {
        }
    }

    private sealed class RecordingSender : IIkeSender
    {
        public List<byte[]> Sent { get; } = [];

        public void Send(ReadOnlySpan<byte> ikeMessage, IPEndPoint local, IPEndPoint remote) => Sent.Add(ikeMessage.ToArray());
    }

    private sealed class AllowRed : ILabelPolicy
    {
        public LabelVerdict Check(string peerId, string label, IPeerAttestation? attestation) =>
            label == "tvd:red" ? LabelVerdict.Allow : LabelVerdict.Deny("only tvd:red");
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
}
