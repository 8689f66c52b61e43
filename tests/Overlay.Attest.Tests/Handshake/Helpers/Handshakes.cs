using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Overlay.Attest.Handshake;
using Overlay.Attest.Ima;
using Overlay.Attest.Structures;
using Overlay.Attest.Verify;

namespace Overlay.Attest.Tests.Handshake.Helpers;

/// <summary>Shared steps of the handshake tests: get evidence as a handshake would, sign, verify, build requirements.</summary>
internal static class Handshakes
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    /// <summary>TryGet, and if it is not ready, wait for onReady and TryGet again (as the protocol layer will).</summary>
    public static PreparedEvidence Get(HandshakeAttester attester, byte[] challenge, EvidenceRequest? request = null)
    {
        request ??= EvidenceRequest.Full;
        using var ready = new ManualResetEventSlim();
        if (attester.TryGet(challenge, request, ready.Set) is { } evidence)
        {
            return evidence;
        }

        Assert.True(ready.Wait(Wait), "the quote did not finish");
        return attester.TryGet(challenge, request) ?? throw new InvalidOperationException($"no evidence after the quote: {attester.LastFailure}");
    }

    /// <summary>One handshake: evidence for the verifier's current challenge (deltas from its checkpoint), signed, verified.</summary>
    public static PeerAppraisal RunHandshake(HandshakeAttester attester, HandshakeVerifier verifier, params AttestationRequirement[] requirements)
    {
        var evidence = Get(attester, verifier.Challenges.Current.Value, new EvidenceRequest(verifier.Checkpoint(attester.HostId)));
        var octets = BindingOctets();
        return verifier.Verify(attester.HostId, evidence.Bundle, evidence.Sign(octets), octets, requirements);
    }

    /// <summary>Stand-in for IKE's signed octets: different for every handshake.</summary>
    public static byte[] BindingOctets() => RandomNumberGenerator.GetBytes(200);

    public static ReferenceValues Allow(IEnumerable<ImaNgEntry> entries)
    {
        var values = new ReferenceValues();
        foreach (var entry in entries)
        {
            values.AllowFile(entry.Path, entry.FileDigest);
        }

        return values;
    }

    public static AttestationRequirement Requirement(string name = "known-good", ReferenceValues? references = null, TimeSpan? maxAge = null,
        bool allowSoftwareTpm = true, IReadOnlyDictionary<string, string>? pins = null, PcrSelection? pcrs = null,
        IReadOnlyList<X509Certificate2>? cas = null) =>
        new(name, pcrs ?? PcrSelection.Sha256(13), references, maxAge ?? TimeSpan.FromSeconds(60), allowSoftwareTpm,
            pins ?? new Dictionary<string, string>(), cas ?? []);

    public static string Ids(PeerAppraisal appraisal, string requirement) =>
        string.Join(",", appraisal.Verdicts[requirement].Errors.Select(e => e.Id));
}

/// <summary>An attesting host on a software TPM.</summary>
internal sealed class TestHost : IDisposable
{
    public TestHost(string id, TimeProvider time, AttesterOptions? options = null, bool softwareTpm = true, IQuoteSource? source = null,
        PcrSelection? selection = null)
    {
        Id = id;
        Tpm = new SoftwareTpm { IsSoftwareTpm = softwareTpm, Selection = selection ?? PcrSelection.Sha256(13) };
        Attester = new HandshakeAttester(id, source ?? Tpm, time, options ?? AttesterOptions.Default);
    }

    public string Id { get; }

    public SoftwareTpm Tpm { get; }

    public HandshakeAttester Attester { get; }

    public Dictionary<string, string> Pin => new() { [Id] = Tpm.AkPin };

    public void Dispose()
    {
        Attester.Dispose();
        Tpm.Dispose();
    }
}

/// <summary>A verifying host: its challenges (20 s period, kept 80 s) and its verifier.</summary>
internal sealed class TestVerifier
{
    public TestVerifier(TimeProvider time, int maxHosts = HandshakeVerifier.DefaultMaxHosts)
    {
        Issuer = new ChallengeIssuer(time, TimeSpan.FromSeconds(20), keep: 4);
        Verifier = new HandshakeVerifier(time, Issuer, maxHosts);
    }

    public ChallengeIssuer Issuer { get; }

    public HandshakeVerifier Verifier { get; }
}
