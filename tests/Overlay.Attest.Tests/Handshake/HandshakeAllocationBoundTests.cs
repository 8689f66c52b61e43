using System.IO.Compression;
using Overlay.Attest.Handshake;
using Overlay.Attest.Tests.Fixtures;

namespace Overlay.Attest.Tests.Handshake;

/// <summary>
/// The evidence bundle (TVDH) a peer sends in IKE_AUTH, its list checkpoint and its inclusion proof
/// allocate in proportion to the octets present (issue 12, item 1). Compressed measurement lists are the
/// one place output may exceed input: there the bound is the bundle's list budget
/// (<see cref="HandshakeConstants.MaxListBytes"/>), never more than twice it in buffers.
/// </summary>
public sealed class HandshakeAllocationBoundTests
{
    private static byte[] Bundle(ushort count, byte[] sections) => [.. "TVDH"u8, 0, 1, (byte)(count >> 8), (byte)count, .. sections];

    [Fact]
    public void Bundle_claiming_65535_sections_with_empty_ones_present_is_bounded()
    {
        var sections = new byte[65_526];
        for (var i = 0; i < sections.Length; i += 6)
        {
            sections[i + 1] = 0x40; // tag 0x0040: unknown, not critical, empty
        }

        var data = Bundle(ushort.MaxValue, sections);
        Assert.False(EvidenceBundleCodec.TryDecode(data, out _, out var error));
        Assert.Contains("truncated", error);
        AllocationMeter.AssertBounded(data.Length, () => EvidenceBundleCodec.TryDecode(data, out _, out _));
    }

    [Fact]
    public void Brotli_bomb_list_stops_at_the_budget_with_at_most_twice_it_in_buffers()
    {
        // 64 MiB of zeros compresses to a few KiB: four times the 16 MiB budget a bundle may decompress to.
        var zeros = new byte[64 << 20];
        var output = new byte[BrotliEncoder.GetMaxCompressedLength(zeros.Length)];
        Assert.True(BrotliEncoder.TryCompress(zeros, output, out var written, 5, 22));
        var bomb = output[..written];
        Assert.True(bomb.Length < 64 << 10);

        string error = string.Empty;
        var allocated = AllocationMeter.Measure(
            () => ListCompression.TryDecompress(bomb, ListCodec.Brotli, HandshakeConstants.MaxListBytes, out _, out error));

        Assert.Contains("limit", error);
        Assert.True(allocated <= 2L * HandshakeConstants.MaxListBytes + (64 << 10), $"{allocated} bytes");
    }

    [Fact]
    public void Checkpoint_and_proof_claims_are_checked_against_the_octets_present()
    {
        // A checkpoint naming 255 lists in 9 octets and a proof claiming depth 255 in 41 octets.
        byte[] checkpoint = [0, 0, 0, 1, 0, 0, 0, 1, 255];
        var proof = new byte[4 + 4 + 32 + 1];
        proof[^1] = 255;
        Assert.False(ListCheckpoint.TryDecode(checkpoint, out _, out _));
        Assert.False(MerkleProof.TryRead(proof, out _, out _));
        AllocationMeter.AssertBounded(checkpoint.Length, () => ListCheckpoint.TryDecode(checkpoint, out _, out _));
        AllocationMeter.AssertBounded(proof.Length, () => MerkleProof.TryRead(proof, out _, out _));
    }
}
