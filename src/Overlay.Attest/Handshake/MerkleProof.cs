using System.Buffers.Binary;

namespace Overlay.Attest.Handshake;

/// <summary>
/// A challenge's place in the quoted batch: leaf index, tree size, the root the quote committed to, and the RFC 9162
/// audit path. Wire form (section 4 of an <see cref="EvidenceBundle"/>, big-endian):
/// <code>
/// u32 leaf_index | u32 tree_size | root[32] | u8 n (≤ 32) | n × 32-byte node hashes (bottom up)
/// </code>
/// </summary>
public sealed record MerkleProof(uint LeafIndex, uint TreeSize, byte[] Root, byte[] Path)
{
    private const int Fixed = 4 + 4 + HandshakeConstants.HashSize + 1;

    public int Depth => Path.Length / HandshakeConstants.HashSize;

    public int EncodedLength => Fixed + Path.Length;

    public void Write(Span<byte> output)
    {
        BinaryPrimitives.WriteUInt32BigEndian(output, LeafIndex);
        BinaryPrimitives.WriteUInt32BigEndian(output[4..], TreeSize);
        Root.CopyTo(output[8..]);
        output[Fixed - 1] = (byte)Depth;
        Path.CopyTo(output[Fixed..]);
    }

    /// <summary>Reads the wire form, which must fill <paramref name="data"/> exactly; the depth is checked before any copy.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out MerkleProof proof, out string error)
    {
        proof = null!;
        if (data.Length < Fixed)
        {
            error = $"inclusion proof of {data.Length} bytes is shorter than its {Fixed}-byte header";
            return false;
        }

        var depth = data[Fixed - 1];
        if (depth > HandshakeConstants.MaxProofDepth || data.Length != Fixed + depth * HandshakeConstants.HashSize)
        {
            error = $"inclusion proof claims {depth} nodes (at most {HandshakeConstants.MaxProofDepth}) in {data.Length - Fixed} bytes";
            return false;
        }

        proof = new MerkleProof(BinaryPrimitives.ReadUInt32BigEndian(data), BinaryPrimitives.ReadUInt32BigEndian(data[4..]),
            data.Slice(8, HandshakeConstants.HashSize).ToArray(), data[Fixed..].ToArray());
        error = string.Empty;
        return true;
    }
}
