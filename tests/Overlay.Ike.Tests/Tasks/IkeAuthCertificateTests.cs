using System.Security.Cryptography.X509Certificates;
using Overlay.Ike.Crypto.Certificates;
using Overlay.Ike.Encoding.Payloads;
using Overlay.Ike.Sa;
using Overlay.Ike.Tests.Crypto.Helpers;
using Overlay.Ike.Tests.Sa.Helpers;
using static Overlay.Ike.IkePayloadType;
using static Overlay.Ike.Tests.Sa.Helpers.ExchangeHarness;

namespace Overlay.Ike.Tests.Tasks;

/// <summary>
/// IKE_AUTH with certificates between two in-process SAs: CA → intermediate → host chains (RSA and
/// ECDSA), RFC 7427 signatures, CERT/CERTREQ, and every refusal a user would meet (expired, wrong
/// key usage or EKU, untrusted CA, identity not in the certificate), each with its reason.
/// </summary>
public sealed class IkeAuthCertificateTests
{
    private sealed record Pki(X509Certificate2 Root, X509Certificate2 Intermediate, X509Certificate2 HostA, X509Certificate2 HostB);

    private static readonly Lazy<Pki> Rsa = new(() => MakePki(TestKey.Rsa));
    private static readonly Lazy<Pki> Ecdsa = new(() => MakePki(TestKey.EcdsaP256));

    private static Pki MakePki(TestKey key)
    {
        var root = TestPki.CreateCa("Root " + key, key);
        var intermediate = TestPki.CreateCa("Intermediate " + key, key, root);
        return new Pki(root, intermediate, TestPki.CreateHost("hostA", intermediate, key), TestPki.CreateHost("hostB", intermediate, key));
    }

    private static Func<IkeSaConfig, IkeSaConfig> WithCert(X509Certificate2 cert, X509Certificate2 intermediate, X509Certificate2 trusted, bool pss = false)
        => c => c with
        {
            PreSharedKey = [],
            LocalCertificate = new CertificateCredential(cert, [intermediate], pss),
            TrustedCas = [trusted],
        };

    private static ExchangeHarness Harness(Pki pki, X509Certificate2? hostA = null, bool pss = false, X509Certificate2? trustedByB = null)
        => new(WithCert(hostA ?? pki.HostA, pki.Intermediate, pki.Root, pss), WithCert(pki.HostB, pki.Intermediate, trustedByB ?? pki.Root, pss));

    [Theory]
    [InlineData(TestKey.Rsa, false)]
    [InlineData(TestKey.Rsa, true)]
    [InlineData(TestKey.EcdsaP256, false)]
    [InlineData(TestKey.EcdsaP384, false)]
    public void Both_sides_authenticate_with_certificate_chains_and_rfc7427_signatures(TestKey key, bool pss)
    {
        var pki = key switch { TestKey.Rsa => Rsa.Value, TestKey.EcdsaP256 => Ecdsa.Value, _ => MakePki(key) };
        using var h = Harness(pki, pss: pss);
        var i = h.Start(RedChild);

        // HDR, SAi1, KEi, Ni, N(NAT_D)*2, N(FRAG_SUP), N(SIGNATURE_HASH_ALGORITHMS)  -->
        var m1 = h.DeliverAllToResponder();
        Assert.Equal([2, 0, 3, 0, 4], m1.FindNotify(NotifyType.SignatureHashAlgorithms)!.Data[1..]);
        //                  <--  HDR, SAr1, KEr, Nr, N(NAT_D)*2, N(FRAG_SUP), N(SIGNATURE_HASH_ALGORITHMS), CERTREQ
        var m2 = h.DeliverAllToInitiator();
        Assert.Equal(PeerCertificateValidator.CertificateAuthorityHashes([pki.Root]), m2.Find<CertificateRequestPayload>()!.CertificationAuthority);
        Assert.Equal([SignatureHashAlgorithm.Sha256, SignatureHashAlgorithm.Sha384, SignatureHashAlgorithm.Sha512], i.PeerSignatureHashes);

        // HDR, SK {IDi, CERT(hostA), CERT(intermediate), CERTREQ, IDr, AUTH(14), SAi2, TSi, TSr}  -->
        var m3 = h.DeliverAllToResponder();
        Assert.Equal([IdInitiator, Certificate, Certificate, IkePayloadType.CertificateRequest, IdResponder, Authentication], Types(m3)[..6]);
        Assert.Equal(pki.HostA.RawData, m3.Find<CertificatePayload>()!.Data);
        var auth = m3.Find<AuthenticationPayload>()!;
        Assert.Equal(AuthMethod.DigitalSignature, auth.Method);
        var scheme = SignatureScheme.TryDecode(auth.Data.AsMemory(1, auth.Data[0]), out var why);
        Assert.True(scheme is not null, why);
        Assert.Equal(key == TestKey.Rsa ? (pss ? SignatureKind.RsaPss : SignatureKind.RsaPkcs1) : SignatureKind.Ecdsa, scheme.Kind);
        var r = h.Responder!;
        Assert.True(r.State == IkeSaState.Established, r.FailureReason);
        Assert.Equal(pki.HostA.Thumbprint, r.PeerCertificate!.Thumbprint);
        if (key == TestKey.Rsa)
        {
            // Two RSA certificates do not fit 1280 octets: the default size alone makes it SKF fragments.
            Assert.Equal(1, r.Tasks.Stats.MessagesReassembled);
        }

        //                  <--  HDR, SK {IDr, CERT(hostB), CERT(intermediate), AUTH(14), SAr2, TSi, TSr}
        var m4 = h.DeliverAllToInitiator();
        Assert.Equal(2, m4.FindAll<CertificatePayload>().Count());
        Assert.True(i.State == IkeSaState.Established, i.FailureReason);
        Assert.Equal(pki.HostB.Thumbprint, i.PeerCertificate!.Thumbprint);
        Assert.Equal(h.A.Sink.Installed.Single().InboundSpi, h.B.Sink.Installed.Single().OutboundSpi);
    }

    [Fact]
    public void A_distinguished_name_identity_must_equal_the_certificate_subject()
    {
        var pki = Rsa.Value;
        using var h = new ExchangeHarness(
            c => WithCert(pki.HostA, pki.Intermediate, pki.Root)(c) with { LocalId = IkeIdentity.DistinguishedName(pki.HostA.SubjectName) },
            c => WithCert(pki.HostB, pki.Intermediate, pki.Root)(c) with { RemoteId = null });
        h.Start(RedChild);
        h.DeliverAllToResponder();
        h.DeliverAllToInitiator();
        h.DeliverAllToResponder();
        h.DeliverAllToInitiator();
        Assert.Equal(IkeSaState.Established, h.Initiator.State);
        Assert.Equal("CN=hostA, O=TVD Overlay Test", h.Responder!.PeerIdentity!.ToString());
    }

    public static TheoryData<string, string> Refusals => new()
    {
        { "expired", "NotTimeValid" },
        { "key usage", "lacks digitalSignature" },
        { "eku", "allows no IKE use" },
        { "untrusted", "does not verify: " },
        { "san", "matches neither subject nor subjectAltName" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void The_responder_refuses_a_bad_certificate_with_authentication_failed_and_says_why(string problem, string reason)
    {
        var pki = Rsa.Value;
        var otherRoot = problem == "untrusted" ? TestPki.CreateCa("Somebody else's root") : null;
        var hostA = problem switch
        {
            "expired" => TestPki.CreateHost("hostA", pki.Intermediate, notAfter: new DateTimeOffset(2025, 12, 1, 0, 0, 0, TimeSpan.Zero)),
            "key usage" => TestPki.CreateHost("hostA", pki.Intermediate, usage: X509KeyUsageFlags.KeyEncipherment),
            "eku" => TestPki.CreateHost("hostA", pki.Intermediate, eku: TestPki.CodeSigningOnly),
            "san" => TestPki.CreateHost("hostX", pki.Intermediate),
            _ => pki.HostA,
        };
        using var h = Harness(pki, hostA, trustedByB: otherRoot);
        h.Start(RedChild);
        h.DeliverAllToResponder();
        h.DeliverAllToInitiator();
        h.DeliverAllToResponder();
        var r = h.Responder!;
        Assert.Equal(IkeSaState.Destroyed, r.State);
        Assert.StartsWith("AUTHENTICATION_FAILED for hostA: ", r.FailureReason);
        Assert.Contains(reason, r.FailureReason);

        //                  <--  HDR, SK {N(AUTHENTICATION_FAILED)}
        var answer = h.DeliverAllToInitiator();
        Assert.Equal([NotifyType.AuthenticationFailed], Notifies(answer));
        Assert.Equal(IkeSaState.Destroyed, h.Initiator.State);
        Assert.Empty(h.A.Sink.Installed);
        Assert.Empty(h.B.Sink.Installed);
    }

    [Fact]
    public void A_certificate_that_verifies_is_accepted_even_though_its_eku_lists_only_ipsec_ike()
    {
        var pki = Rsa.Value;
        using var h = Harness(pki, TestPki.CreateHost("hostA", pki.Intermediate, eku: TestPki.IkeEku));
        h.Start(RedChild);
        h.DeliverAllToResponder();
        h.DeliverAllToInitiator();
        h.DeliverAllToResponder();
        Assert.True(h.Responder!.State == IkeSaState.Established, h.Responder.FailureReason);
    }

    [Fact]
    public void A_peer_using_a_psk_is_refused_when_we_accept_only_certificates()
    {
        var pki = Rsa.Value;
        using var h = new ExchangeHarness(configureB: WithCert(pki.HostB, pki.Intermediate, pki.Root));
        h.Start(RedChild);
        h.DeliverAllToResponder();
        h.DeliverAllToInitiator();
        h.DeliverAllToResponder();
        Assert.Equal("AUTHENTICATION_FAILED for hostA: peer used a PSK, but we accept only certificates", h.Responder!.FailureReason);
    }

    [Fact]
    public void A_signature_is_refused_when_no_trusted_ca_is_configured()
    {
        var pki = Rsa.Value;
        using var h = new ExchangeHarness(WithCert(pki.HostA, pki.Intermediate, pki.Root));
        h.Start(RedChild);
        h.DeliverAllToResponder();
        h.DeliverAllToInitiator();
        h.DeliverAllToResponder();
        Assert.Contains("no trusted CA is configured", h.Responder!.FailureReason);
    }
}
