using System.Security.Cryptography;
using Overlay.Attest.Structures;
using Overlay.Attest.Tests.Fixtures;
using Overlay.Attest.Tpm;

namespace Overlay.Attest.Tests.Tpm;

[Collection(SwtpmCollection.Name)]
public sealed class TpmDeviceTests(SwtpmFixture tpm)
{
    [Fact]
    public void ExtendChangesThePcrAsTheSpecSays()
    {
        var selection = PcrSelection.Sha256(15);
        var before = tpm.Device.ReadPcrs(selection).Digests[0];
        var value = SHA256.HashData("extend me"u8);
        tpm.Device.Extend(15, SHA1.HashData("extend me"u8), value);
        var after = tpm.Device.ReadPcrs(selection).Digests[0];
        Assert.Equal(SHA256.HashData([.. before, .. value]), after);
    }

    [Fact]
    public void ReadsMoreThanEightPcrsAcrossChunks()
    {
        var selection = PcrSelection.Sha256(Enumerable.Range(0, 12).ToArray());
        var values = tpm.Device.ReadPcrs(selection);
        Assert.Equal(12, values.Digests.Count);
        Assert.All(values.Digests, d => Assert.Equal(32, d.Length));
    }

    [Fact]
    public void AttestationKeyIsRecreatedIdenticallyFromTheFixedTemplate()
    {
        using var again = AttestationKey.Create(tpm.Device, AkAlgorithm.EccP256);
        Assert.Equal(tpm.EccKey.ExportTpm2BPublic(), again.ExportTpm2BPublic());
        Assert.True(again.Public.IsRestrictedSigningKey);
        Assert.Contains("BEGIN PUBLIC KEY", again.ExportPem());
    }

    [Fact]
    public void RsaKeyIsRestrictedRsa2048()
    {
        Assert.Equal(TpmConstants.AlgRsa, tpm.RsaKey.Public.Type);
        Assert.Equal(256, tpm.RsaKey.Public.Modulus.Length);
        Assert.True(tpm.RsaKey.Public.IsRestrictedSigningKey);
    }

    [Fact]
    public void GetRandomReturnsRequestedLength()
    {
        var a = tpm.Device.GetRandom(40);
        var b = tpm.Device.GetRandom(40);
        Assert.Equal(40, a.Length);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void NoEkCertificateOnAFreshSwtpm()
    {
        Assert.Empty(EkCertificates.Read(tpm.Device));
    }
}
