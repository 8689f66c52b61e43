using System.Net;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Overlay.Attest.Handshake;
using Overlay.Attest.Structures;
using Overlay.Attest.Verify;
using Overlay.Daemon.AttestHost;
using Overlay.Daemon.Configuration;
using Overlay.Daemon.IkeHost;
using Overlay.Daemon.Tests.Support;
using Overlay.Ike.Attestation;
using Overlay.Ike.Crypto;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Sa;

namespace Overlay.Daemon.Tests.IkeHost;

/// <summary>
/// Attested IKE as the daemon runs it — its IKE transport, two swtpms, the handshake attester and verifier
/// behind IKE's attestation port — between two stacks on loopback: a 10,000-entry measurement list crosses in
/// IKE_AUTH (hundreds of RFC 7383 fragments over real sockets) and is appraised entry by entry.
/// </summary>
public sealed class AttestedIkeOverUdpTests : IAsyncLifetime
{
    private const string Requirement = "known-good";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _directory = new();
    private readonly List<IDisposable> _owned = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        foreach (IDisposable owned in Enumerable.Reverse(_owned))
        {
            owned.Dispose();
        }

        _directory.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_ten_thousand_entry_list_crosses_in_ike_auth_and_is_appraised()
    {
        AttestSession a = Session("a"), b = Session("b");
        var references = new ReferenceValues();
        for (int i = 0; i < 10_000; i++)
        {
            string path = $"/usr/lib/tvd-lab/file-{i:D5}";
            byte[] content = System.Text.Encoding.ASCII.GetBytes(path);
            a.MeasureBlob(path, content);
            references.AllowFile(path, SHA256.HashData(content));
        }

        var requirement = new AttestationRequirement(Requirement, PcrSelection.Sha256(a.Pcr), references, TimeSpan.FromSeconds(60), true,
            new Dictionary<string, string> { ["hostA"] = a.AkPin, ["hostB"] = b.AkPin }, []);
        var requirements = new Dictionary<string, AttestationRequirement> { [Requirement] = requirement };
        var sinkA = new Sink();
        var sinkB = new Sink();
        var policy = new RequireMet();
        var fragmentation = IkePeer.AttestedFragmentation;
        var configB = Config("hostB", "hostA") with { Fragmentation = fragmentation };
        await using var stackB = StandaloneIke.Start(IPAddress.Loopback, policy, sinkB, _ => configB, ikePort: 0, natTraversalPort: 0,
            attestation: Adapter("hostB", b, requirements));
        await using var stackA = StandaloneIke.Start(IPAddress.Loopback, policy, sinkA, _ => null, ikePort: 0, natTraversalPort: 0,
            attestation: Adapter("hostA", a, requirements));

        IkeSa sa = stackA.Initiate(Config("hostA", "hostB") with { Fragmentation = fragmentation }, Red, IPAddress.Loopback, stackB.Transport.IkeEndpoint.Port);
        await sinkB.Installed.Task.WaitAsync(Wait);
        await sinkA.Installed.Task.WaitAsync(Wait);

        IkeSa responder = Assert.Single(stackB.Manager.Sas, s => s.State == IkeSaState.Established);
        var appraisal = Assert.IsType<PeerAttestation>(responder.PeerAttestation).Appraisal;
        Assert.True(appraisal.IsMet(Requirement), appraisal.Verdicts[Requirement].ToString());
        Assert.True(responder.Tasks.Stats.MessagesReassembled >= 1);
        Assert.True(responder.Tasks.Stats.FragmentsKept > 100, $"{responder.Tasks.Stats.FragmentsKept} fragments: the list did not need many?");
        Assert.True(Assert.IsType<PeerAttestation>(sa.PeerAttestation).Appraisal.IsMet(Requirement));
        Assert.Equal(0, sa.Tasks.Stats.Retransmits); // every fragment arrived the first time: the sockets keep up
    }

    private static readonly ChildSaConfig Red = new("red", "tvd:red",
        [AddressRangeSelector.Range(IPAddress.Parse("10.1.0.0"), IPAddress.Parse("10.1.0.255"))],
        [AddressRangeSelector.Range(IPAddress.Parse("10.2.0.0"), IPAddress.Parse("10.2.0.255"))], ChildSaConfig.DefaultEspProposals);

    private static IkeSaConfig Config(string local, string remote) =>
        new(IkeIdentity.Fqdn(local), IkeIdentity.Fqdn(remote), "attested-udp-test-psk"u8.ToArray(), IkeSaConfig.DefaultIkeProposals,
            [Red with { LocalSelectors = Red.RemoteSelectors, RemoteSelectors = Red.LocalSelectors, Label = null }]);

    private AttestSession Session(string name)
    {
        string log = _directory.File($"{name}/measurements/binary_runtime_measurements");
        var session = AttestSession.Open(new AttestConfig(AttestConfig.EmbeddedTcti, _directory.File($"{name}/swtpm"), 13, log,
            AttestConfig.AsciiPathFor(log), Overlay.Attest.Tpm.AkAlgorithm.EccP256), NullLogger.Instance);
        _owned.Add(session);
        return session;
    }

    private IkeAttestationAdapter Adapter(string host, AttestSession session, Dictionary<string, AttestationRequirement> requirements)
    {
        var handshake = new HandshakeAttestation(host, session, TimeProvider.System, HandshakeAttestation.DefaultPeriod);
        _owned.Add(handshake);
        return new IkeAttestationAdapter(handshake, () => requirements, TimeProvider.System);
    }

    private sealed class RequireMet : ILabelPolicy
    {
        public LabelVerdict Check(string peerId, string label, IPeerAttestation? attestation) =>
            attestation is PeerAttestation p && p.Appraisal.IsMet(Requirement) ? LabelVerdict.Allow : LabelVerdict.Deny(attestation?.Summary ?? "none");
    }

    private sealed class Sink : IChildSaSink
    {
        public TaskCompletionSource Installed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Install(ChildSa child) => Installed.TrySetResult();

        public void Remove(ChildSa child)
        {
        }

        public void RefusedByPeer(PeerRefusal refusal)
        {
        }
    }
}
