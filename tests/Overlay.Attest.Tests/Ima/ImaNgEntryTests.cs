using System.Security.Cryptography;
using Overlay.Attest.Ima;

namespace Overlay.Attest.Tests.Ima;

public sealed class ImaNgEntryTests
{
    // Lines from real kernels' ascii_runtime_measurements (ima-ng, SHA-256 file digests).
    [Theory]
    [InlineData(11u, "50b5a68bea0776a84eef6725f17ce474756e51c0", "15e1efee080fe54f5d7404af7e913de01671e745ce55215d89f3d6521d3884f0", "/root/cat")]
    [InlineData(10u, "bb24b135e1c911c97aad8f1c1863efc08cd44c11", "d41dd4adacf5a35df426461dd8a92d7bdd5ba29bb61a1c3531bec0ada386f8dd", "/usr/lib/x86_64-linux-gnu/libresolv.so.2")]
    public void TemplateHashMatchesKernelVectors(uint pcr, string templateHash, string fileDigest, string path)
    {
        var entry = ImaNgEntry.Create(pcr, "sha256", Convert.FromHexString(fileDigest), path);
        Assert.Equal(templateHash, Convert.ToHexStringLower(entry.TemplateHash));
        Assert.Equal($"{pcr} {templateHash} ima-ng sha256:{fileDigest} {path}", entry.ToAscii());
    }

    [Fact]
    public void TemplateDataIsLengthPrefixedFields()
    {
        var digest = new byte[32];
        var entry = ImaNgEntry.Create(13, "sha256", digest, "/a");

        // u32 LE 40 | "sha256:" NUL digest[32] | u32 LE 3 | "/a" NUL
        Assert.Equal(4 + 40 + 4 + 3, entry.TemplateData.Length);
        Assert.Equal(new byte[] { 40, 0, 0, 0 }, entry.TemplateData[..4]);
        Assert.Equal("sha256:\0"u8.ToArray(), entry.TemplateData[4..12]);
        Assert.Equal(new byte[] { 3, 0, 0, 0, (byte)'/', (byte)'a', 0 }, entry.TemplateData[44..]);
        Assert.Equal(SHA256.HashData(entry.TemplateData), entry.Sha256ExtendValue);
    }

    [Fact]
    public void ViolationExtendsAllOnes()
    {
        var entry = new ImaNgEntry(10, new byte[20], "ima-ng", ImaNgEntry.Create(10, "sha256", new byte[32], "/tmp/x").TemplateData);
        Assert.True(entry.IsViolation);
        Assert.All(entry.Sha256ExtendValue, b => Assert.Equal(0xFF, b));
        Assert.Equal(32, entry.Sha256ExtendValue.Length);
    }
}
