using System.Security.Cryptography;
using Overlay.Ike.Attestation;
using Overlay.Ike.Sa;

namespace Overlay.Ike.Tests.Sa.Helpers;

/// <summary>
/// Attestation as IKE sees it, without a TPM: evidence is "EV" | the peer challenge | padding, signed by an
/// ephemeral ECDSA key; appraisal checks that the bundle covers one of our challenges and that the binding
/// verifies under the sender's key over the octets IKE computed. Answers can be held back (Pending) to test
/// deferral, or made unavailable.
/// </summary>
public sealed class FakeAttestation : IIkeAttestation, IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly List<Action> _waiting = [];
    private readonly List<byte[]> _ourChallenges = [];
    private long _serial = 1;

    public FakeAttestation(string name)
    {
        Name = name;
        Rotate();
    }

    public string Name { get; }

    /// <summary>The other side's fake, whose key checks the bindings we are shown.</summary>
    public FakeAttestation? Peer { get; set; }

    public byte[] CurrentChallenge { get; private set; } = [];

    public EvidenceStatus Mode { get; set; } = EvidenceStatus.Ready;

    /// <summary>Size of the bundles we hand out (large ones make IKE fragment).</summary>
    public int BundleSize { get; set; } = 200;

    /// <summary>Appraisals of our peer's evidence fail with this summary when set.</summary>
    public string? Fail { get; set; }

    /// <summary>Handed out instead of fresh evidence when set (a replay).</summary>
    public OwnEvidence? Replay { get; set; }

    public byte[]? Checkpoint { get; set; }

    public List<(byte[] Challenge, byte[]? Checkpoint, bool Urgent)> Requests { get; } = [];

    public List<(IkeIdentity Peer, byte[] Bundle, byte[] Binding, byte[] BindingOctets)> Appraised { get; } = [];

    public List<OwnEvidence> Given { get; } = [];

    public void Rotate()
    {
        CurrentChallenge = RandomNumberGenerator.GetBytes(32);
        _ourChallenges.Add(CurrentChallenge);
    }

    /// <summary>A new quote: the serial moves (our measured state changed).</summary>
    public void Requote() => _serial++;

    /// <summary>Ends Pending: evidence is Ready from now on and every waiter is told.</summary>
    public void Complete()
    {
        Mode = EvidenceStatus.Ready;
        var waiting = _waiting.ToArray();
        _waiting.Clear();
        foreach (var onReady in waiting)
        {
            onReady();
        }
    }

    public EvidenceResult GetEvidence(IkeIdentity? peer, byte[] peerChallenge, byte[]? peerCheckpoint, bool urgent, Action onReady)
    {
        Requests.Add((peerChallenge, peerCheckpoint, urgent));
        switch (Mode)
        {
            case EvidenceStatus.Pending:
                _waiting.Add(onReady);
                return EvidenceResult.Pending;
            case EvidenceStatus.Unavailable:
                return EvidenceResult.Unavailable("the TPM does not answer");
        }

        if (Replay is { } replay)
        {
            return EvidenceResult.Ready(replay);
        }

        var bundle = new byte[Math.Max(BundleSize, 2 + peerChallenge.Length)];
        "EV"u8.CopyTo(bundle);
        peerChallenge.CopyTo(bundle, 2);
        RandomNumberGenerator.Fill(bundle.AsSpan(2 + peerChallenge.Length)); // incompressible, like digests
        var evidence = new OwnEvidence(bundle, octets => _key.SignData(octets, HashAlgorithmName.SHA256), _serial);
        Given.Add(evidence);
        return EvidenceResult.Ready(evidence);
    }

    public IPeerAttestation Appraise(IkeIdentity peer, byte[] bundle, byte[] binding, byte[] bindingOctets)
    {
        Appraised.Add((peer, bundle, binding, bindingOctets));
        if (Fail is { } why)
        {
            return new FakeAppraisal(false, why);
        }

        if (bundle.Length < 34 || !bundle.AsSpan(0, 2).SequenceEqual("EV"u8) || !_ourChallenges.Any(c => bundle.AsSpan(2, 32).SequenceEqual(c)))
        {
            return new FakeAppraisal(false, "challenge.unknown");
        }

        return Peer!._key.VerifyData(bindingOctets, binding, HashAlgorithmName.SHA256)
            ? new FakeAppraisal(true, "met")
            : new FakeAppraisal(false, "binding");
    }

    public byte[]? CheckpointFor(IkeIdentity peer) => Checkpoint;

    public void Dispose() => _key.Dispose();

    public static (FakeAttestation A, FakeAttestation B) Pair()
    {
        var a = new FakeAttestation("A");
        var b = new FakeAttestation("B") { Peer = a };
        a.Peer = b;
        return (a, b);
    }
}

public sealed record FakeAppraisal(bool Met, string Summary) : IPeerAttestation;
