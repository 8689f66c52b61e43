using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Overlay.Attest.Interop;
using Overlay.Attest.Structures;
using Overlay.Attest.Tpm;

namespace Overlay.Attest.Tests.Tpm;

/// <summary>A swtpm manufactured by swtpm_setup with EK certificates and only the SHA-256 bank.</summary>
[Collection(Fixtures.SwtpmCollection.Name)]
public sealed class EkCertificateTests
{
    [Fact]
    public void ReadsTheEkCertificatesSwtpmSetupStored()
    {
        var directory = Path.Combine("/tmp", $"tvdek-{Guid.NewGuid():N}"[..18]);
        Directory.CreateDirectory(directory);
        try
        {
            Fixtures.ToolRunner.Check("swtpm_setup", null, "--tpm2", "--tpmstate", directory, "--create-ek-cert", "--lock-nvram", "--overwrite");
            using var swtpm = EmbeddedSwtpm.Start(directory);
            using var device = TpmDevice.Open(swtpm.Tcti);
            var certificates = EkCertificates.Read(device);
            Assert.Contains(certificates, c => c.Index == EkCertificates.RsaIndex && c.Certificate.GetRSAPublicKey() is not null);
            Assert.Contains(certificates, c => c.Index == EkCertificates.EccP384Index && c.Certificate.PublicKey.Oid.Value == "1.2.840.10045.2.1");
            // (An ECC EK certificate allows key agreement only, so GetECDsaPublicKey would return null: check the OID.)
            Assert.All(certificates, c => c.Certificate.Dispose());

            // Only SHA-256 is allocated here: extending still works (the SHA-1 digest is ignored by the TPM).
            device.Extend(13, new byte[20], SHA256.HashData("a"u8));
            Assert.Equal(SHA256.HashData([.. new byte[32], .. SHA256.HashData("a"u8)]), device.ReadPcrs(PcrSelection.Sha256(13)).Digests[0]);
            var error = Assert.Throws<TpmException>(() => device.ReadPcrs(new PcrSelection([new PcrBankSelection(TpmConstants.AlgSha1, [13])])));
            Assert.Contains("bank", error.Message);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void UnreachableTpmIsATypedErrorWithTheDecodedReason()
    {
        var error = Assert.Throws<TpmException>(() => TpmDevice.Open("swtpm:path=/tmp/tvd-no-such-tpm.sock"));
        Assert.Contains("swtpm:path=/tmp/tvd-no-such-tpm.sock", error.Message);
        Assert.Equal(10, error.Layer); // TSS2_TCTI_RC_LAYER
    }
}
