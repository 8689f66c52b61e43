using System.Security.Cryptography;
using System.Text;
using Overlay.Attest.Handshake;

namespace Overlay.Attest.Tests.Handshake;

public sealed class QualifyingDataTests
{
    private static readonly byte[] Key = Enumerable.Range(0, 91).Select(i => (byte)i).ToArray();
    private static readonly byte[] Root = Enumerable.Repeat((byte)0xAB, 32).ToArray();

    [Fact]
    public void IsTheHashOfTheDocumentedPreimage()
    {
        byte[] preimage =
        [
            .. "TVD-IKE-ATTEST/v1"u8, 0, 0, 0, 7, .. "host-a1"u8, .. SHA256.HashData(Key), .. Root,
        ];
        Assert.Equal(SHA256.HashData(preimage), QualifyingData.Compute("host-a1", Key, Root));
        Assert.Equal(32, QualifyingData.Compute("h", Key, Root).Length);
    }

    [Fact]
    public void EveryInputChangesIt()
    {
        var baseline = QualifyingData.Compute("h1", Key, Root);
        Assert.NotEqual(baseline, QualifyingData.Compute("h2", Key, Root));
        Assert.NotEqual(baseline, QualifyingData.Compute("h1", Key[..90], Root));
        Assert.NotEqual(baseline, QualifyingData.Compute("h1", Key, SHA256.HashData(Root)));
    }

    [Fact]
    public void HostIdsOutsideTheBoundsAreRefused()
    {
        Assert.Throws<ArgumentException>(() => QualifyingData.Compute("", Key, Root));
        Assert.Throws<ArgumentException>(() => QualifyingData.Compute(new string('a', 256), Key, Root));
        Assert.Throws<ArgumentException>(() => QualifyingData.Compute("h", Key, Root[..31]));
        Assert.Equal(32, QualifyingData.Compute(Encoding.UTF8.GetString(new byte[255].Select(_ => (byte)'a').ToArray()), Key, Root).Length);
    }
}
