using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Overlay.Attest.Handshake;
using Overlay.Attest.Structures;
using Overlay.Attest.Verify;
using Overlay.Daemon.AttestHost;
using Overlay.Daemon.Configuration;
using Overlay.Daemon.IkeHost;
using Overlay.Ike.Attestation;
using Overlay.Ike.Net;
using Overlay.Ike.Sa;

namespace Overlay.IkeBench;

/// <summary>
/// Two of our IKE stacks in one process on loopback (ports the kernel picks), A initiating to B, each with the
/// daemon's transport and — when attested — its own embedded swtpm, attester and verifier as the daemon wires
/// them (<see cref="AttestSession"/>, <see cref="HandshakeAttestation"/>, <see cref="IkeAttestationAdapter"/>).
/// B admits A to tvd:red only when A's evidence meets the requirement "bench" (AK pinned, the measured file
/// known-good), and A checks B the same way. Both sides share the process's cores, in every variant alike.
/// </summary>
public sealed class AttestedPair : IAsyncDisposable
{
    private readonly string _directory;
    private readonly List<IAsyncDisposable> _stacks = [];
    private readonly List<IDisposable> _owned = [];

    private AttestedPair(string directory) => _directory = directory;

    public StandaloneIke A { get; private set; } = null!;

    public CountingSink SinkA { get; } = new();

    public BenchOptions OptionsA { get; private set; } = null!;

    /// <summary>The attesters of A and B (empty when unattested): quotes made, evidence served.</summary>
    public List<HandshakeAttester> Attesters { get; } = [];

    /// <summary>Appraisals of both sides and the time they took.</summary>
    public TimedAttestation? TimingA { get; private set; }

    public TimedAttestation? TimingB { get; private set; }

    public static async Task<AttestedPair> StartAsync(bool attested, TimeSpan quoteDelay, BenchOptions template)
    {
        var pair = new AttestedPair(Directory.CreateTempSubdirectory("tikb-attest-").FullName);
        try
        {
            await pair.StartCoreAsync(attested, quoteDelay, template).ConfigureAwait(false);
            return pair;
        }
        catch
        {
            await pair.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private Task StartCoreAsync(bool attested, TimeSpan quoteDelay, BenchOptions template)
    {
        var loopback = IPAddress.Loopback;
        string[] common = ["--psk", template.Psk, "--group", template.Group.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        BenchOptions optionsB = BenchOptions.Parse(["respond", "--local", "127.0.0.1", "--side", "b", "--local-id", "hostB", "--remote-id", "hostA", .. common]);
        (TimedAttestation? attestA, TimedAttestation? attestB, ILabelPolicy policy) = attested
            ? Attestation(quoteDelay)
            : (null, null, new RedOnlyPolicy());
        (TimingA, TimingB) = (attestA, attestB);
        var b = StandaloneIke.Start(loopback, policy, new CountingSink(), _ => BenchConfig.Ike(optionsB), ikePort: 0, natTraversalPort: 0,
            attestation: attestB, halfOpen: BenchConfig.OneAddress);
        _stacks.Add(b);
        OptionsA = BenchOptions.Parse(["rate", "--local", "127.0.0.1", "--target", $"127.0.0.1:{b.Transport.IkeEndpoint.Port}",
            "--local-id", "hostA", "--remote-id", "hostB", .. common]);
        A = StandaloneIke.Start(loopback, policy, SinkA, _ => null, ikePort: 0, natTraversalPort: 0, attestation: attestA);
        _stacks.Add(A);
        return Task.CompletedTask;
    }

    /// <summary>Each side's TPM (an embedded swtpm), its measurement of this program, the shared requirement with both AKs pinned.</summary>
    private (TimedAttestation A, TimedAttestation B, ILabelPolicy Policy) Attestation(TimeSpan quoteDelay)
    {
        AttestSession sessionA = Session("a"), sessionB = Session("b");
        string measured = typeof(AttestedPair).Assembly.Location;
        sessionA.MeasureFile(measured);
        sessionB.MeasureFile(measured);
        ReferenceValues.TryParse($"{Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(measured)))}  {Path.GetFullPath(measured)}",
            out ReferenceValues references, out _);
        var requirement = new AttestationRequirement(RequireAttestation.Requirement, PcrSelection.Sha256(sessionA.Pcr), references,
            TimeSpan.FromSeconds(60), AllowSoftwareTpm: true,
            new Dictionary<string, string> { ["hostA"] = sessionA.AkPin, ["hostB"] = sessionB.AkPin }, []);
        var requirements = new Dictionary<string, AttestationRequirement> { [requirement.Name] = requirement };
        return (Adapter("hostA", sessionA, requirements, quoteDelay), Adapter("hostB", sessionB, requirements, quoteDelay), new RequireAttestation());
    }

    private AttestSession Session(string side)
    {
        string root = Path.Combine(_directory, side);
        string log = Path.Combine(root, AttestConfig.DefaultLogDirectory, AttestConfig.BinaryLogName);
        var session = AttestSession.Open(new AttestConfig(AttestConfig.EmbeddedTcti, Path.Combine(root, "swtpm"), Overlay.Attest.Ima.Measurer.DefaultPcr,
            log, AttestConfig.AsciiPathFor(log), Overlay.Attest.Tpm.AkAlgorithm.EccP256), NullLogger.Instance);
        _owned.Add(session);
        return session;
    }

    private TimedAttestation Adapter(string host, AttestSession session, Dictionary<string, AttestationRequirement> requirements, TimeSpan quoteDelay)
    {
        IQuoteSource quotes = quoteDelay > TimeSpan.Zero ? new DelayedQuoteSource(session, quoteDelay, TimeProvider.System) : session;
        var handshake = new HandshakeAttestation(host, quotes, TimeProvider.System, HandshakeAttestation.DefaultPeriod);
        _owned.Add(handshake);
        Attesters.Add(handshake.Attester);
        return new TimedAttestation(new IkeAttestationAdapter(handshake, () => requirements, TimeProvider.System));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (IAsyncDisposable stack in Enumerable.Reverse(_stacks))
        {
            await stack.DisposeAsync().ConfigureAwait(false);
        }

        foreach (IDisposable owned in Enumerable.Reverse(_owned))
        {
            owned.Dispose();
        }

        Directory.Delete(_directory, recursive: true);
    }
}

/// <summary>tvd:red for a peer whose evidence met "bench"; nothing else.</summary>
public sealed class RequireAttestation : ILabelPolicy
{
    public const string Requirement = "bench";

    public LabelVerdict Check(string peerId, string label, IPeerAttestation? attestation) =>
        label == BenchConfig.Label && attestation is PeerAttestation p && p.Appraisal.IsMet(Requirement)
            ? LabelVerdict.Allow
            : LabelVerdict.Deny(attestation?.Summary ?? "no evidence");
}

/// <summary>The daemon's attestation port, timing each appraisal (the verifier's µs per evidence).</summary>
public sealed class TimedAttestation(IIkeAttestation inner) : IIkeAttestation
{
    private long _appraisals, _ticks;

    public long Appraisals => Interlocked.Read(ref _appraisals);

    public double MicrosecondsPerAppraisal => Appraisals == 0 ? 0 : Interlocked.Read(ref _ticks) * 1e6 / Stopwatch.Frequency / Appraisals;

    public byte[] CurrentChallenge => inner.CurrentChallenge;

    public EvidenceResult GetEvidence(Overlay.Ike.Sa.IkeIdentity? peer, byte[] peerChallenge, byte[]? peerCheckpoint, bool urgent, Action onReady) =>
        inner.GetEvidence(peer, peerChallenge, peerCheckpoint, urgent, onReady);

    public IPeerAttestation Appraise(Overlay.Ike.Sa.IkeIdentity peer, byte[] bundle, byte[] binding, byte[] bindingOctets)
    {
        long t0 = Stopwatch.GetTimestamp();
        IPeerAttestation result = inner.Appraise(peer, bundle, binding, bindingOctets);
        Interlocked.Add(ref _ticks, Stopwatch.GetTimestamp() - t0);
        Interlocked.Increment(ref _appraisals);
        return result;
    }

    public byte[]? CheckpointFor(Overlay.Ike.Sa.IkeIdentity peer) => inner.CheckpointFor(peer);
}
