using System.Net;
using System.Security.Cryptography.X509Certificates;
using Overlay.Daemon.IkeHost;
using Overlay.Ike.Crypto.Certificates;
using Overlay.Ike.Net;
using Overlay.Ike.Sa;
using Overlay.Ike.Tests.Crypto.Helpers;
using Overlay.Ike.Tests.Sa.Helpers;

namespace Overlay.Ike.Tests.Net;

/// <summary>
/// Certificate authentication against a real strongSwan 5.9.8 charon (auth = pubkey): one root CA
/// and one intermediate issue hostA (us) and hostB (charon). charon trusts only the root (x509ca/)
/// and keeps its own intermediate in x509/; we trust only the root and learn charon's intermediate
/// from its CERT payloads. Both directions, RSA and ECDSA, and charon refusing a certificate of a CA
/// it does not trust.
/// </summary>
[Collection("charon")]
public sealed class StrongSwanCertificateInteropTests
{
    private static readonly ChildSaConfig Red = new("red", "tvd:red",
        [ExchangeHarness.Range("10.13.1.0", "10.13.1.255")], [ExchangeHarness.Range("10.13.2.0", "10.13.2.255")],
        [EspSuite.AesGcm16_256, new EspSuite(256, ExtendedSequenceNumbers: false)]);

    private sealed record Pki(X509Certificate2 Root, X509Certificate2 Intermediate, X509Certificate2 HostA, X509Certificate2 HostB);

    private static Pki MakePki(TestKey key)
    {
        var root = TestPki.CreateCa("Interop Root " + key, key);
        var intermediate = TestPki.CreateCa("Interop Intermediate " + key, key, root);
        return new Pki(root, intermediate, TestPki.CreateHost("hostA", intermediate, key), TestPki.CreateHost("hostB", intermediate, key));
    }

    /// <param name="charonTrusts">The root charon has in x509ca/ (ours, or a stranger's).</param>
    private static CharonSetup PubkeyCharon(Pki pki, X509Certificate2 charonTrusts) => new()
    {
        Local = "auth = pubkey\n              certs = hostB.pem\n              id = hostB",
        Remote = "auth = pubkey\n              id = hostA",
        Files = new Dictionary<string, string>
        {
            ["x509ca/root.pem"] = TestPki.CertificatePem(charonTrusts),
            ["x509/intermediate.pem"] = TestPki.CertificatePem(pki.Intermediate),
            ["x509/hostB.pem"] = TestPki.CertificatePem(pki.HostB),
            ["private/hostB.pem"] = TestPki.PrivateKeyPem(pki.HostB),
        },
    };

    private static IkeSaConfig OurConfig(Pki pki) => new(IkeIdentity.Fqdn("hostA"), IkeIdentity.Fqdn("hostB"), [], IkeSaConfig.DefaultIkeProposals)
    {
        LocalCertificate = new CertificateCredential(pki.HostA, [pki.Intermediate]),
        TrustedCas = [pki.Root],
    };

    [CharonFact]
    public Task We_initiate_with_rsa_certificates() => WeInitiate(TestKey.Rsa, "RSA_EMSA_PKCS1_SHA2_256");

    [CharonFact]
    public Task We_initiate_with_ecdsa_certificates() => WeInitiate(TestKey.EcdsaP256, "ECDSA_WITH_SHA256_DER");

    private static async Task WeInitiate(TestKey key, string charonScheme)
    {
        var pki = MakePki(key);
        using var charon = new CharonNamespace(PubkeyCharon(pki, pki.Root));
        await using var daemon = StandaloneIke.Start(IPAddress.Parse(charon.LocalAddress), AllowListLabelPolicy.Any(), new RecordingChildSink(), _ => null);
        var sa = daemon.Initiate(OurConfig(pki), Red, IPAddress.Parse(charon.CharonAddress));
        await WaitFor(() => sa.State == IkeSaState.Destroyed || sa.Children.Count > 0, charon);

        Assert.True(sa.Children.Count == 1, $"{sa.FailureReason}\n{charon.Log}");
        Assert.Equal(pki.HostB.Thumbprint, sa.PeerCertificate!.Thumbprint);
        Assert.Contains($"authentication of 'hostA' with {charonScheme} successful", charon.Log);
        Assert.Contains("INSTALLED", charon.Swanctl("--list-sas"));
    }

    [CharonFact]
    public Task Charon_initiates_with_rsa_certificates() => CharonInitiates(TestKey.Rsa);

    [CharonFact]
    public Task Charon_initiates_with_ecdsa_certificates() => CharonInitiates(TestKey.EcdsaP256);

    private static async Task CharonInitiates(TestKey key)
    {
        var pki = MakePki(key);
        using var charon = new CharonNamespace(PubkeyCharon(pki, pki.Root));
        var policy = new AllowListLabelPolicy();
        policy.Allowed.Add(("hostB", "tvd:red"));
        var responder = OurConfig(pki) with { Children = [Red] };
        await using var daemon = StandaloneIke.Start(IPAddress.Parse(charon.LocalAddress), policy, new RecordingChildSink(), _ => responder);

        var output = charon.Swanctl("--initiate --child red --timeout 15");
        Assert.Contains("initiate completed successfully", output);
        var sa = Assert.Single(daemon.Manager.Sas);
        Assert.Equal(IkeSaState.Established, sa.State);
        Assert.Equal(pki.HostB.Thumbprint, sa.PeerCertificate!.Thumbprint);
        Assert.Contains("authentication of 'hostA' with", charon.Log);
    }

    [CharonFact]
    public async Task Charon_refuses_our_certificate_when_it_does_not_trust_our_ca()
    {
        var pki = MakePki(TestKey.Rsa);
        var stranger = TestPki.CreateCa("A root charon does not know");
        using var charon = new CharonNamespace(PubkeyCharon(pki, stranger));
        await using var daemon = StandaloneIke.Start(IPAddress.Parse(charon.LocalAddress), AllowListLabelPolicy.Any(), new RecordingChildSink(), _ => null);
        var sa = daemon.Initiate(OurConfig(pki), Red, IPAddress.Parse(charon.CharonAddress));
        await WaitFor(() => sa.State == IkeSaState.Destroyed, charon);

        Assert.Equal("peer answered AUTHENTICATION_FAILED", sa.FailureReason);
        Assert.Empty(sa.Children);
        Assert.Contains("no trusted RSA public key found for 'hostA'", charon.Log);
    }

    private static async Task WaitFor(Func<bool> condition, CharonNamespace charon)
    {
        for (var i = 0; i < 150 && !condition(); i++)
        {
            await Task.Delay(100);
        }

        Assert.True(condition(), "no result within 15 s; charon log:\n" + charon.Log);
    }
}
