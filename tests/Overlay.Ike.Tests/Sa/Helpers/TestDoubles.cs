using System.Net;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Agreement;
using Org.BouncyCastle.Crypto.Parameters;
using Overlay.Ike.Attestation;
using Overlay.Ike.Crypto;
using Overlay.Ike.Crypto.KeyExchange;
using Overlay.Ike.Encoding;
using Overlay.Ike.Sa;

namespace Overlay.Ike.Tests.Sa.Helpers;

/// <summary>Deterministic "randomness": SHA-256(seed | counter) blocks, so SPIs and nonces repeat run to run.</summary>
public sealed class DeterministicRandom(string seed) : IIkeRandom
{
    private readonly byte[] _seed = System.Text.Encoding.UTF8.GetBytes(seed);
    private long _counter;

    public void Fill(Span<byte> destination)
    {
        var written = 0;
        Span<byte> block = stackalloc byte[32];
        var input = new byte[_seed.Length + 8];
        _seed.CopyTo(input, 0);
        while (written < destination.Length)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(input.AsSpan(_seed.Length), _counter++);
            SHA256.HashData(input, block);
            var n = Math.Min(32, destination.Length - written);
            block[..n].CopyTo(destination[written..]);
            written += n;
        }
    }
}

/// <summary>Curve25519 with private keys from a <see cref="DeterministicRandom"/>; other groups use the real factory.</summary>
public sealed class DeterministicKeyExchangeFactory(IIkeRandom random) : IKeyExchangeFactory
{
    public List<KeyExchangeMethod> Created { get; } = [];

    public bool IsSupported(KeyExchangeMethod method) => KeyExchangeFactory.Instance.IsSupported(method);

    public IKeyExchange Create(KeyExchangeMethod method)
    {
        Created.Add(method);
        if (method != KeyExchangeMethod.Curve25519)
        {
            return KeyExchangeFactory.Instance.Create(method);
        }

        var key = new byte[32];
        random.Fill(key);
        return new FixedX25519(new X25519PrivateKeyParameters(key, 0));
    }

    private sealed class FixedX25519(X25519PrivateKeyParameters key) : IKeyExchange
    {
        private readonly byte[] _public = key.GeneratePublicKey().GetEncoded();

        public KeyExchangeMethod Method => KeyExchangeMethod.Curve25519;

        public ReadOnlySpan<byte> PublicKey => _public;

        public bool TryComputeSharedSecret(ReadOnlySpan<byte> peerPublicKey, out byte[] sharedSecret, out IkeParseError error)
        {
            var agreement = new X25519Agreement();
            agreement.Init(key);
            sharedSecret = new byte[32];
            agreement.CalculateAgreement(new X25519PublicKeyParameters(peerPublicKey.ToArray(), 0), sharedSecret, 0);
            error = IkeParseError.None;
            return true;
        }

        public void Dispose()
        {
        }
    }
}

/// <summary>Collects what an IKE SA sends, in order.</summary>
public sealed class RecordingSender : IIkeSender
{
    public Queue<byte[]> Outbox { get; } = new();

    public List<(IPEndPoint Local, IPEndPoint Remote)> Routes { get; } = [];

    public int Count { get; private set; }

    /// <summary>Called inside <see cref="Send"/>, before the datagram is queued: sees the world as the sender does.</summary>
    public Action<byte[]>? OnSend { get; set; }

    public void Send(ReadOnlySpan<byte> ikeMessage, IPEndPoint local, IPEndPoint remote)
    {
        OnSend?.Invoke(ikeMessage.ToArray());
        Outbox.Enqueue(ikeMessage.ToArray());
        Routes.Add((local, remote));
        Count++;
    }

    /// <summary>NAT-keepalives asked for, with their endpoints.</summary>
    public List<(IPEndPoint Local, IPEndPoint Remote)> Keepalives { get; } = [];

    public bool SendNatKeepalive(IPEndPoint local, IPEndPoint remote)
    {
        Keepalives.Add((local, remote));
        return true;
    }
}

/// <summary>What the data plane would have been told.</summary>
public sealed class RecordingChildSink : IChildSaSink
{
    public List<ChildSa> Installed { get; } = [];

    public List<ChildSa> Removed { get; } = [];

    /// <summary>"+in/out" for an install, "-in/out" for a removal (SPIs in hex), in the order they happened.</summary>
    public List<string> Events { get; } = [];

    public void Install(ChildSa child)
    {
        Installed.Add(child);
        Events.Add($"+{child.InboundSpi:x8}/{child.OutboundSpi:x8}");
    }

    public void Remove(ChildSa child)
    {
        Removed.Add(child);
        Events.Add($"-{child.InboundSpi:x8}/{child.OutboundSpi:x8}");
    }

    /// <summary>The peer's refusals of us, in order.</summary>
    public List<PeerRefusal> RefusedByPeer { get; } = [];

    void IChildSaSink.RefusedByPeer(PeerRefusal refusal) => RefusedByPeer.Add(refusal);

    /// <summary>Dynamic address updates, in order.</summary>
    public List<(IkeIdentity Peer, NatMapping Mapping)> Moves { get; } = [];

    public void PeerMoved(IkeIdentity peer, NatMapping mapping) => Moves.Add((peer, mapping));

    /// <summary>What is installed now.</summary>
    public IEnumerable<ChildSa> Current => Installed.Where(c => !Removed.Contains(c));
}

/// <summary>Allows exactly the listed (peer, label) pairs (or any, for an initiator that asks only for what it wants).</summary>
public sealed class AllowListLabelPolicy : ILabelPolicy
{
    public HashSet<(string Peer, string Label)> Allowed { get; } = [];

    public List<(string Peer, string Label, IPeerAttestation? Attestation)> Asked { get; } = [];

    /// <summary>Every label for every peer: an initiator's policy in tests about the responder.</summary>
    public bool AllowAny { get; init; }

    /// <summary>A peer may have no CHILD_SA at all unless its appraisal met (what a host that carries only attested TVDs says).</summary>
    public bool AdmitOnlyAttested { get; set; }

    public bool AdmitsAny(string peerId, IPeerAttestation? attestation) => !AdmitOnlyAttested || attestation is FakeAppraisal { Met: true };

    /// <summary>Labels a peer gets only with an appraisal that met them (<see cref="FakeAppraisal"/>).</summary>
    public HashSet<string> RequireAttestation { get; } = [];

    public static AllowListLabelPolicy Any() => new() { AllowAny = true };

    public LabelVerdict Check(string peerId, string label, IPeerAttestation? attestation)
    {
        Asked.Add((peerId, label, attestation));
        if (!AllowAny && !Allowed.Contains((peerId, label)))
        {
            return LabelVerdict.Deny($"{peerId} may not have {label}");
        }

        return !RequireAttestation.Contains(label) || attestation is FakeAppraisal { Met: true }
            ? LabelVerdict.Allow
            : LabelVerdict.Deny($"{label}: {attestation?.Summary ?? "no evidence"}");
    }
}

/// <summary>The failure lines a host would log, in order, with how many the rate limit held back before each.</summary>
public sealed class RecordingFailureLog : IIkeFailureLog
{
    private readonly Lock _lock = new();

    public List<(IkeFailure Failure, long Suppressed)> Lines { get; } = [];

    public void Log(IkeFailure failure, long suppressed)
    {
        lock (_lock)
        {
            Lines.Add((failure, suppressed));
        }
    }
}
