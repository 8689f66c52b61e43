using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Overlay.Attest.Quote;
using Overlay.Attest.Structures;
using Overlay.Attest.Tests.Structures;
using Overlay.Attest.Verify;

namespace Overlay.Attest.Tests.Verify;

/// <summary>Checks a TPM would never let us trigger, with quotes signed by a software key.</summary>
public sealed class QuoteVerifierStructureTests : IDisposable
{
    private static readonly byte[] Nonce = [1, 2, 3];
    private readonly SoftwareSigner _signer = new();
    private readonly QuoteVerifier _verifier = new();

    private PcrValues Values() => new(PcrSelection.Sha256(13), [SHA256.HashData("x"u8)]);

    private Evidence Build(uint magic = TpmConstants.GeneratedValue, ushort type = TpmConstants.StAttestQuote, TpmtPublic? key = null, byte[]? cert = null)
    {
        var values = Values();
        var attest = TpmsAttestTests.BuildQuote(magic, type, Nonce, values.Selection, values.ComputeDigest(TpmConstants.AlgSha256));
        var writer = new TpmWriter();
        values.Write(writer);
        return new Evidence
        {
            Attest = attest,
            Signature = _signer.Sign(attest),
            AkPublic = (key ?? _signer.Public()).To2B(),
            PcrValues = writer.ToArray(),
            AkCertificate = cert,
        };
    }

    private VerifierPolicy Pinned()
    {
        using var key = AkPublicKey.FromTpmPublic(_signer.Public());
        return new VerifierPolicy().PinAk(key);
    }

    [Fact]
    public void WellFormedSoftwareQuoteVerifies()
    {
        var result = _verifier.Verify(Build(), Nonce, Pinned());
        Assert.True(result.IsTrusted, result.ToString());
    }

    [Fact]
    public void ForeignMagicIsRejectedEvenWhenTheSignatureIsGood()
    {
        var result = _verifier.Verify(Build(magic: 0xff544348), Nonce, Pinned());
        Assert.Equal(["quote.magic"], result.Errors.Select(e => e.Id));
    }

    [Fact]
    public void NonQuoteTypeIsRejected()
    {
        // TPM_ST_ATTEST_CERTIFY (0x8017): a validly signed structure that is not a quote (CVE-2024-29038 shape).
        var result = _verifier.Verify(Build(type: 0x8017), Nonce, Pinned());
        Assert.True(result.Has("quote.type"));
        Assert.False(result.IsTrusted);
    }

    [Fact]
    public void UnrestrictedKeyIsNotAnAttestationKey()
    {
        var key = _signer.Public(TpmConstants.ObjSign);
        using var ak = AkPublicKey.FromTpmPublic(key);
        var result = _verifier.Verify(Build(key: key), Nonce, new VerifierPolicy().PinAk(ak));
        Assert.Equal(["ak.attributes"], result.Errors.Select(e => e.Id));
    }

    [Fact]
    public void AkCertifiedByATrustedCaIsTrusted()
    {
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=TVD AK CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));

        using var akKey = AkPublicKey.FromTpmPublic(_signer.Public());
        var akRequest = new CertificateRequest(new X500DistinguishedName("CN=host-a AK"),
            PublicKey.CreateFromSubjectPublicKeyInfo(akKey.SubjectPublicKeyInfo, out _), HashAlgorithmName.SHA256);
        using var akCert = akRequest.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10), [1, 2, 3, 4]);

        var policy = new VerifierPolicy();
        policy.TrustedAkCas.Add(ca);
        Assert.True(_verifier.Verify(Build(cert: akCert.RawData), Nonce, policy).IsTrusted);

        using var otherCaKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var otherCa = new CertificateRequest("CN=Other CA", otherCaKey, HashAlgorithmName.SHA256)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        var wrongPolicy = new VerifierPolicy();
        wrongPolicy.TrustedAkCas.Add(otherCa);
        Assert.Equal(["ak.certificate"], _verifier.Verify(Build(cert: akCert.RawData), Nonce, wrongPolicy).Errors.Select(e => e.Id));
    }

    [Fact]
    public void EveryReasonIsListedNotJustTheFirst()
    {
        var result = _verifier.Verify(Build(magic: 0), [9, 9, 9], new VerifierPolicy());
        Assert.Equal(["quote.magic", "quote.nonce", "ak.trust"], result.Errors.Select(e => e.Id));
    }

    public void Dispose() => _signer.Dispose();
}
