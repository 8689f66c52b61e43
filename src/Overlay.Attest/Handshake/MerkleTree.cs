using System.Security.Cryptography;

namespace Overlay.Attest.Handshake;

/// <summary>
/// The Merkle tree of RFC 9162 §2.1 (Certificate Transparency 2.0) over SHA-256, used to batch many verifiers'
/// challenges into one quote: the root goes into the qualifyingData, each verifier gets its leaf's audit path.
/// <code>
/// leaf hash   = SHA-256(0x00 || leaf data)
/// node hash   = SHA-256(0x01 || left || right)
/// MTH(D[n])   = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two &lt; n      (§2.1.1)
/// </code>
/// Built level by level: a level's last node without a sibling moves up unchanged, which gives the same tree as
/// the recursive split and the same audit paths as PATH(m, D[n]) (§2.1.3.1). Verification is §2.1.3.2.
/// </summary>
public sealed class MerkleTree
{
    private const byte LeafPrefix = 0x00, NodePrefix = 0x01;
    private const int Size = HandshakeConstants.HashSize;

    private readonly byte[][][] _levels;

    /// <summary>Builds the tree over at least one leaf (the leaves' data, not their hashes).</summary>
    public MerkleTree(IReadOnlyList<byte[]> leaves)
    {
        ArgumentOutOfRangeException.ThrowIfZero(leaves.Count);
        var levels = new List<byte[][]> { leaves.Select(l => LeafHash(l)).ToArray() };
        while (levels[^1].Length > 1)
        {
            var below = levels[^1];
            var level = new byte[(below.Length + 1) / 2][];
            for (var i = 0; i < level.Length; i++)
            {
                level[i] = 2 * i + 1 < below.Length ? NodeHash(below[2 * i], below[2 * i + 1]) : below[2 * i];
            }

            levels.Add(level);
        }

        _levels = levels.ToArray();
    }

    public int Count => _levels[0].Length;

    public byte[] Root => _levels[^1][0];

    /// <summary>The audit path of leaf <paramref name="index"/>, bottom up, concatenated (n × 32 bytes).</summary>
    public byte[] AuditPath(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        var path = new List<byte>(Size * _levels.Length);
        for (var level = 0; level < _levels.Length - 1; level++, index >>= 1)
        {
            var sibling = index ^ 1;
            if (sibling < _levels[level].Length)
            {
                path.AddRange(_levels[level][sibling]);
            }
        }

        return path.ToArray();
    }

    public static byte[] LeafHash(ReadOnlySpan<byte> data)
    {
        var hash = new byte[Size];
        LeafHash(data, hash);
        return hash;
    }

    public static byte[] NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        var hash = new byte[Size];
        NodeHash(left, right, hash);
        return hash;
    }

    /// <summary>
    /// RFC 9162 §2.1.3.2: the root that leaf data at <paramref name="index"/> of a tree of <paramref name="size"/>
    /// leaves leads to along <paramref name="path"/> (n × 32 bytes). False when the path's shape cannot belong to
    /// that position (index ≥ size, too short, too long, longer than <see cref="HandshakeConstants.MaxProofDepth"/>).
    /// </summary>
    public static bool TryComputeRoot(ReadOnlySpan<byte> leafData, ulong index, ulong size, ReadOnlySpan<byte> path, Span<byte> root)
    {
        if (index >= size || path.Length % Size != 0 || path.Length / Size > HandshakeConstants.MaxProofDepth || root.Length < Size)
        {
            return false;
        }

        var fn = index;
        var sn = size - 1;
        Span<byte> r = stackalloc byte[Size];
        LeafHash(leafData, r);
        for (var offset = 0; offset < path.Length; offset += Size)
        {
            var p = path.Slice(offset, Size);
            if (sn == 0)
            {
                return false;
            }

            if ((fn & 1) == 1 || fn == sn)
            {
                NodeHash(p, r, r);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                NodeHash(r, p, r);
            }

            fn >>= 1;
            sn >>= 1;
        }

        if (sn != 0)
        {
            return false;
        }

        r.CopyTo(root);
        return true;
    }

    /// <summary>True when the path proves the leaf data is leaf <paramref name="index"/> of the tree with that root.</summary>
    public static bool VerifyInclusion(ReadOnlySpan<byte> leafData, ulong index, ulong size, ReadOnlySpan<byte> path, ReadOnlySpan<byte> root)
    {
        Span<byte> computed = stackalloc byte[Size];
        return TryComputeRoot(leafData, index, size, path, computed) && CryptographicOperations.FixedTimeEquals(computed, root);
    }

    private static void LeafHash(ReadOnlySpan<byte> data, Span<byte> hash)
    {
        if (data.Length <= 128)
        {
            Span<byte> preimage = stackalloc byte[1 + data.Length];
            preimage[0] = LeafPrefix;
            data.CopyTo(preimage[1..]);
            SHA256.HashData(preimage, hash);
            return;
        }

        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData([LeafPrefix]);
        sha.AppendData(data);
        sha.GetHashAndReset(hash);
    }

    // left or right may alias hash: both are read into the pre-image before the hash is written.
    private static void NodeHash(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right, Span<byte> hash)
    {
        Span<byte> preimage = stackalloc byte[1 + 2 * Size];
        preimage[0] = NodePrefix;
        left.CopyTo(preimage[1..]);
        right.CopyTo(preimage[(1 + Size)..]);
        SHA256.HashData(preimage, hash);
    }
}
