using System.Security.Cryptography;
using Overlay.Attest.Handshake;

namespace Overlay.Attest.Tests.Handshake;

/// <summary>RFC 9162 §2.1 trees: the Certificate Transparency reference vectors, and every proof of sizes 1..17.</summary>
public sealed class MerkleTreeTests
{
    // The RFC 6962/9162 reference leaves and roots (transparency-dev/merkle testonly, certificate-transparency-go).
    private static readonly byte[][] Leaves = new[]
    {
        "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
    }.Select(Convert.FromHexString).ToArray();

    private static readonly string[] Roots =
    [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    [Fact]
    public void RootsMatchTheReferenceVectors()
    {
        for (var n = 1; n <= Leaves.Length; n++)
        {
            Assert.Equal(Roots[n - 1], Convert.ToHexStringLower(new MerkleTree(Leaves[..n]).Root));
        }
    }

    [Theory]
    [InlineData(0, 8, "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4")]
    [InlineData(5, 8, "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b", "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7")]
    [InlineData(2, 3, "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")]
    [InlineData(1, 5, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e", "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b")]
    [InlineData(0, 1)]
    public void AuditPathsMatchTheReferenceVectors(int index, int size, params string[] path)
    {
        var tree = new MerkleTree(Leaves[..size]);
        Assert.Equal(string.Concat(path), Convert.ToHexStringLower(tree.AuditPath(index)));
        Assert.True(MerkleTree.VerifyInclusion(Leaves[index], (ulong)index, (ulong)size, tree.AuditPath(index), tree.Root));
    }

    [Fact]
    public void EveryProofOfSizesOneToSeventeenMatchesTheRecursiveDefinitionAndVerifies()
    {
        var leaves = Enumerable.Range(0, 17).Select(i => SHA256.HashData(BitConverter.GetBytes(i))).ToArray();
        for (var size = 1; size <= leaves.Length; size++)
        {
            var data = leaves[..size];
            var tree = new MerkleTree(data);
            Assert.Equal(ReferenceRoot(data), tree.Root);
            for (var index = 0; index < size; index++)
            {
                var path = tree.AuditPath(index);
                Assert.Equal(ReferencePath(index, data).SelectMany(p => p).ToArray(), path);
                Assert.True(MerkleTree.VerifyInclusion(data[index], (ulong)index, (ulong)size, path, tree.Root), $"size {size} index {index}");

                // Another leaf, an index outside the tree, or a changed, shortened or lengthened path proves nothing. (The
                // size alone is not bound: a path can fit several sizes, e.g. (0, 3) and (0, 4). Only inclusion under the
                // quoted root matters here, and the leaf hash domain separation keeps that sound.)
                Assert.False(MerkleTree.VerifyInclusion(leaves[(index + 1) % leaves.Length], (ulong)index, (ulong)size, path, tree.Root));
                Assert.False(MerkleTree.VerifyInclusion(data[index], (ulong)size, (ulong)size, path, tree.Root));
                if (path.Length > 0)
                {
                    var tampered = (byte[])path.Clone();
                    tampered[^1] ^= 1;
                    Assert.False(MerkleTree.VerifyInclusion(data[index], (ulong)index, (ulong)size, tampered, tree.Root));
                    Assert.False(MerkleTree.VerifyInclusion(data[index], (ulong)index, (ulong)size, path[..^32], tree.Root));
                }

                Assert.False(MerkleTree.VerifyInclusion(data[index], (ulong)index, (ulong)size, [.. path, .. new byte[32]], tree.Root));
            }
        }
    }

    [Fact]
    public void PathsDeeperThanTheLimitAreRefusedBeforeHashing()
    {
        var root = new byte[32];
        Assert.False(MerkleTree.TryComputeRoot([1], 0, ulong.MaxValue, new byte[33 * 32], root));
        Assert.False(MerkleTree.TryComputeRoot([1], 0, 1, new byte[31], root));
    }

    // RFC 9162 §2.1.1 MTH, written from the text.
    private static byte[] ReferenceRoot(byte[][] data)
    {
        if (data.Length == 1)
        {
            return SHA256.HashData([0x00, .. data[0]]);
        }

        var k = LargestPowerOfTwoBelow(data.Length);
        return SHA256.HashData([0x01, .. ReferenceRoot(data[..k]), .. ReferenceRoot(data[k..])]);
    }

    // RFC 9162 §2.1.3.1 PATH(m, D[n]), written from the text.
    private static List<byte[]> ReferencePath(int m, byte[][] data)
    {
        if (data.Length == 1)
        {
            return [];
        }

        var k = LargestPowerOfTwoBelow(data.Length);
        return m < k
            ? [.. ReferencePath(m, data[..k]), ReferenceRoot(data[k..])]
            : [.. ReferencePath(m - k, data[k..]), ReferenceRoot(data[..k])];
    }

    private static int LargestPowerOfTwoBelow(int n)
    {
        var k = 1;
        while (k << 1 < n)
        {
            k <<= 1;
        }

        return k;
    }
}
